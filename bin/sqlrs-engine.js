#!/usr/bin/env node
import '../dist/runtime/engine-main.js';
