import { main } from './main.js';

// Exit as soon as the command is done: pooled keep-alive sockets would otherwise hold the
// process for a few hundred milliseconds (writes to pipes and terminals are synchronous on
// Linux, so nothing printed is lost).
main(process.argv.slice(2)).then((code) => process.exit(code));
