// Every built-in task, exported for typed use: call(jsonFileTask, 'name', { … }).
export { commandTask } from './command.js';
export { shellTask } from './shell.js';
export { fileTask } from './file.js';
export { copyTask } from './copy.js';
export { templateTask } from './template.js';
export { lineinfileTask } from './lineinfile.js';
export { blockinfileTask } from './blockinfile.js';
export { jsonFileTask } from './json_file.js';
export { aptTask } from './apt.js';
export { serviceTask } from './service.js';
export { sysctlTask } from './sysctl.js';
export { iptablesTask } from './iptables.js';
export { containerdPinTask } from './containerd_pin.js';
export { lxcApparmorTask } from './lxc_apparmor.js';
export { dockerUserTask } from './docker_user.js';
export { dnsCacheTask } from './dns_cache.js';
export { dockerStorageDriverTask } from './docker_storage_driver.js';
