import t from 'tap';
import { contractSuite } from '../../helpers/contract.js';

// Every contract fixture through the Lambda (API Gateway HTTP API v2) adapter.
contractSuite(t, 'lambda');
