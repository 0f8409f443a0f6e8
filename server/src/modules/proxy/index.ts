export { InstanceProxy, matchInstancePath, matchDevPath, isBrowserNavigation, SANDBOX_POLICY, PROXY_METHODS, type ProxyVia } from './instance-proxy.js';
export { RequestLog, REQUESTS_KEPT_PER_RUN, BODY_BYTES_KEPT, type RequestSummary } from './request-log.js';
