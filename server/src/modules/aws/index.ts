export { AwsService, type AwsDeps } from './aws-service.js';
export { createInvokeRouter, type InvokeRouterDeps } from './invoke-router.js';
export { createAwsConsoleRouter, type AwsConsoleRouterDeps } from './aws-console-router.js';
export { functionArn, functionNameOf } from './aws-identity.js';
export { FunctionUrls, type FunctionUrlDeps } from './function-url.js';
export { detectRuntimeNetwork, inSubnet, type RuntimeNetwork } from './runtime-network.js';
