// The UI's pure helpers, run in node without a browser: fixture colours from
// DMX values, effect summaries, time formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { fixtureColour, parseUniverse, sceneReason } from '../../web/js/lighting.js';
import { summary } from '../../web/js/editor.js';
import { classifierText } from '../../web/js/status.js';
import { clamp01, errorText, formatMicros, formatTime, formatUptime } from '../../web/js/dom.js';

test('fixture colour follows the profile channel layout', () => {
  assert.deepEqual(fixtureColour(['red', 'green', 'blue'], [255, 0, 128]), [255, 0, 128]);
  // The dimmer scales the colour channels.
  assert.deepEqual(fixtureColour(['dimmer', 'red', 'green', 'blue', 'strobe'], [128, 255, 255, 0, 0]), [128, 128, 0]);
  assert.deepEqual(fixtureColour(['dimmer', 'red', 'green', 'blue'], [0, 255, 255, 255]), [0, 0, 0]);
  // White adds to every colour; a plain dimmer is warm white at its level.
  assert.deepEqual(fixtureColour(['red', 'green', 'blue', 'white'], [0, 0, 0, 255]), [255, 255, 255]);
  assert.deepEqual(fixtureColour(['dimmer'], [255]), [255, 217, 153]);
  assert.deepEqual(fixtureColour(['dimmer'], [0]), [0, 0, 0]);
  // Position channels do not light anything.
  assert.deepEqual(fixtureColour(['pan', 'tilt', 'dimmer', 'red', 'green', 'blue'], [10, 20, 255, 0, 0, 255]), [0, 0, 255]);
  // Missing values (a frame shorter than the fixture) read as 0.
  assert.deepEqual(fixtureColour(['red', 'green', 'blue'], [255]), [255, 0, 0]);
});

test('effect summaries name type, group and the main parameter', () => {
  assert.equal(summary({ type: 'level', group: 'pars', feature: 'band:2' }), 'level → pars · band:2');
  assert.equal(summary({ type: 'level' }), 'level → all · energy');
  assert.equal(summary({ type: 'palette', group: 'wash', colors: ['#ff0000', '#00ff00'] }), 'palette → wash · #ff0000 #00ff00');
  assert.equal(summary({ type: 'pulse', group: 'all' }), 'pulse → all · beat');
  assert.equal(summary({ type: 'strobe', group: 'all' }), 'strobe → all');
});

test('times, clamping and error text', () => {
  assert.equal(formatTime(0), '0:00');
  assert.equal(formatTime(75.9), '1:15');
  assert.equal(formatTime(3725), '1:02:05');
  assert.equal(formatTime(undefined), '0:00');
  assert.equal(formatTime(75.36, { tenths: true }), '1:15.3');
  assert.equal(formatUptime(90061), '1d 1:01:01');
  assert.equal(clamp01(2), 1);
  assert.equal(clamp01(-1), 0);
  assert.equal(clamp01('x'), 0);
  assert.equal(errorText({ code: 'SHOW_INVALID', message: "scenes[1].effects[0].group: unknown group 'x'" }),
    "SHOW_INVALID: scenes[1].effects[0].group: unknown group 'x'");
  assert.equal(errorText(new Error('boom')), 'boom');
});

test('classifier times below 0.1 ms read in µs', () => {
  assert.equal(formatMicros(42), '42 µs');
  assert.equal(formatMicros(99.6), '100 µs');
  assert.equal(formatMicros(100), '0.1 ms');
  assert.equal(formatMicros(1234), '1.2 ms');
  assert.equal(formatMicros(undefined), '–');
  assert.equal(classifierText({ model: 'm', queueDepth: 0, queueSize: 8, dropped: 0, inferenceUsLast: 37 }), 'queue 0/8 · dropped 0 · 37 µs');
  assert.equal(classifierText({ model: 'm', inferenceUsLast: 2500 }), '2.5 ms');
});

test('the reason another scene plays than the selected one', () => {
  assert.equal(sceneReason({ scene: 'dark', selectedScene: 'red', idle: true, label: 'music' }), ' (idle: silence)');
  assert.equal(sceneReason({ scene: 'talk', selectedScene: 'red', idle: false, label: 'speech' }), ' (label: speech)');
  // The label is always reported; it is a reason only when its scene plays.
  assert.equal(sceneReason({ scene: 'red', selectedScene: 'red', idle: false, label: 'music' }), '');
  assert.equal(sceneReason({ scene: 'red' }), '');
  assert.equal(sceneReason(null), '');
});

test('the manual universe is a 15-bit port-address', () => {
  assert.equal(parseUniverse('0'), 0);
  assert.equal(parseUniverse('32767'), 32767);
  assert.equal(parseUniverse('99999'), null);
  assert.equal(parseUniverse('-1'), null);
  assert.equal(parseUniverse('1.5'), null);
  assert.equal(parseUniverse(''), null);
  assert.equal(parseUniverse('x'), null);
});
