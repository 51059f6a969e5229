import t from 'tap';
import { contractSuite } from '../../helpers/contract.js';

// Every contract fixture through the Fetch-API handler.
contractSuite(t, 'fetch');
