// bench/vader-node.js: the peer of eng-sentiment in `make bench`: the npm
// package vader-sentiment under node doing the same job (read JSON-lines,
// score .text, write the event with .sentiment added).
// Usage: NODE_PATH=DIR/node_modules node vader-node.js < events.jsonl
'use strict';
const vader = require('vader-sentiment');
const readline = require('readline');
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
let out = [];
rl.on('line', (line) => {
    const ev = JSON.parse(line);
    if (typeof ev.text === 'string')
        ev.sentiment = vader.SentimentIntensityAnalyzer.polarity_scores(ev.text);
    out.push(JSON.stringify(ev));
    if (out.length >= 4096) {
        process.stdout.write(out.join('\n') + '\n');
        out = [];
    }
});
rl.on('close', () => {
    if (out.length)
        process.stdout.write(out.join('\n') + '\n');
});
