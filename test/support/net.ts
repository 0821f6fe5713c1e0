/** The body of http://IP:PORT/ fetched with bash alone (light hosts have no HTTP client). */
export const httpGet = (ip: string, port: number) =>
  `timeout 5 bash -c 'exec 3<>/dev/tcp/${ip}/${port} && printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3 && cat <&3' | tail -n1`;
