import t from 'tap';
import { contractSuite } from '../../helpers/contract.js';

// Every contract fixture through the node:http server on a real socket, undici as the client.
contractSuite(t, 'node');
