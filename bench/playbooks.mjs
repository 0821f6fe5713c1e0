// The benchmark's workload: N core tasks that all change when `round` changes, written once for
// fleet and once, with the same meaning, for ansible-playbook.

const kinds = ['copy', 'lineinfile', 'file', 'blockinfile'];

export function fleetPlaybook(tasks) {
  const lines = ['- name: bench', '  hosts: all', '  tasks:', '    - name: bench dir', '      file: { path: /etc/bench, state: directory }'];
  for (let i = 1; i < tasks; i++) {
    const k = kinds[i % kinds.length];
    lines.push(`    - name: t${i}`);
    if (k === 'copy') lines.push(`      copy: { dest: /etc/bench/c${i}.conf, content: "value {{ round }}\\n" }`);
    if (k === 'lineinfile') lines.push(`      lineinfile: { path: /etc/bench/lines.conf, regexp: "^k${i}=", line: "k${i}={{ round }}", create: true }`);
    if (k === 'file') lines.push(`      file: { path: /etc/bench/d${i}, state: directory, mode: "{{ mode }}" }`);
    if (k === 'blockinfile') lines.push(`      blockinfile: { path: /etc/bench/block.conf, create: true, marker: "# {mark} b${i}", block: "round {{ round }}" }`);
  }
  return `${lines.join('\n')}\n`;
}

export function ansiblePlaybook(tasks) {
  const lines = ['- name: bench', '  hosts: all', '  gather_facts: false', '  tasks:', '    - name: bench dir', '      ansible.builtin.file: { path: /etc/bench, state: directory }'];
  for (let i = 1; i < tasks; i++) {
    const k = kinds[i % kinds.length];
    lines.push(`    - name: t${i}`);
    if (k === 'copy') lines.push(`      ansible.builtin.copy: { dest: /etc/bench/c${i}.conf, content: "value {{ round }}\\n" }`);
    if (k === 'lineinfile') lines.push(`      ansible.builtin.lineinfile: { path: /etc/bench/lines.conf, regexp: "^k${i}=", line: "k${i}={{ round }}", create: true }`);
    if (k === 'file') lines.push(`      ansible.builtin.file: { path: /etc/bench/d${i}, state: directory, mode: "{{ mode }}" }`);
    if (k === 'blockinfile') lines.push(`      ansible.builtin.blockinfile: { path: /etc/bench/block.conf, create: true, marker: "# {mark} b${i}", block: "round {{ round }}" }`);
  }
  return `${lines.join('\n')}\n`;
}
