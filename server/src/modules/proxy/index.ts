export { InstanceProxy, matchInstancePath, matchDevPath, PROXY_METHODS, type ProxyVia } from './instance-proxy.js';
export { isBrowserNavigation, SANDBOX_POLICY } from './upstream.js';
export { RequestLog, REQUESTS_KEPT_PER_RUN, BODY_BYTES_KEPT, type RequestSummary } from './request-log.js';
