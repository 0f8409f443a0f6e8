export {
  InstanceProxy,
  matchInstancePath,
  matchDevPath,
  matchProxyPath,
  PROXY_METHODS,
  type ProxyVia,
} from './instance-proxy.js';
export { CallerCredentials } from './credentials.js';
export { isHopByHop, namedByConnection } from './hop-by-hop.js';
export { isBrowserNavigation, SANDBOX_POLICY } from './upstream.js';
export { RequestLog, REQUESTS_KEPT_PER_RUN, BODY_BYTES_KEPT, type RequestSummary } from './request-log.js';
