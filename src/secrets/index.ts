export { SECRET_MARKER, SECRET_NAME, registerSecret, registerNamedSecrets, redact, redactDeep, clearSecrets, hasSecrets } from './registry.js';
export { NO_LOG_MARKER, hideNoLog, publicEvent, publicReport } from './no-log.js';
export { secretTags } from './yaml-tags.js';
