#!/usr/bin/env node
import '../dist/runtime/process/engine-main.js';
