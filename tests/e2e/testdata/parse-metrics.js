// Reads Prometheus exposition text on stdin, parses it with the npm package
// parse-prometheus-text-format (written by others: an independent check of our output), and
// prints "<family> <TYPE> <samples>" per family. Exits 1 when the text does not parse.
const path = require('path');
const parse = require(path.join(process.env.JD_NODE_DIR, 'node_modules', 'parse-prometheus-text-format'));
let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  let families;
  try {
    families = parse(input);
  } catch (e) {
    console.error('not valid Prometheus text: ' + e.message);
    process.exit(1);
  }
  for (const f of families) console.log(`${f.name} ${f.type} ${f.metrics.length}`);
});
