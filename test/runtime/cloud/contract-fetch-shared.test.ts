import t from 'tap';
import { contractSuite } from '../../helpers/contract.js';

// Every contract fixture through the Fetch handler, on a shared catalog (docs/scaling.md).
contractSuite(t, 'fetch', 'shared');
