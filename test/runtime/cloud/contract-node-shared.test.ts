import t from 'tap';
import { contractSuite } from '../../helpers/contract.js';

// Every contract fixture through the node:http server, on a shared catalog (docs/scaling.md).
contractSuite(t, 'node', 'shared');
