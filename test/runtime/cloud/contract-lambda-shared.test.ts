import t from 'tap';
import { contractSuite } from '../../helpers/contract.js';

// Every contract fixture through the Lambda adapter, on a shared catalog (docs/scaling.md).
contractSuite(t, 'lambda', 'shared');
