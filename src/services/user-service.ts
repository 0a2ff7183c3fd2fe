/**
 * The built-in target as a process, started inside a service host's
 * namespace (user-server.ts has the servers): its arguments as JSON in
 * argv[2], control commands as JSON lines on stdin, events as JSON lines on
 * stdout. Exits when its stdin closes.
 */
import { createInterface } from 'node:readline';
import type { ServiceCommand, ServiceEvent, UserServiceArgs } from './protocol.js';
import { createUserServer } from './user-server.js';

const send = (event: ServiceEvent): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

const args = JSON.parse(process.argv[2] ?? '{}') as UserServiceArgs;
const server = createUserServer(args);
try {
  await server.listen();
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code ?? 'ERROR';
  send({ event: 'fatal', code, message: (error as Error).message });
  process.exit(1);
}
send({ event: 'ready', pid: process.pid, httpPort: args.httpPort, echoPort: args.echoPort });

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  try {
    // An unknown op answers nothing: say so rather than write an empty line.
    const event: ServiceEvent | undefined = server.control(JSON.parse(line) as ServiceCommand);
    send(event ?? { event: 'fatal', code: 'BAD_COMMAND', message: `unknown command ${line}` });
  } catch (error) {
    send({ event: 'fatal', code: 'BAD_COMMAND', message: (error as Error).message });
  }
});
lines.on('close', () => process.exit(0));
