#!/usr/bin/env python3
"""Generate the labelled evaluation corpus for luminad's analysis.

Drum patterns are synthesised here (pure Python, deterministic seeds) and
placed on a tempo map; sox adds the pad, noise and reverb. Beside each
clip NAME.wav the generator writes:
  NAME.onsets  one ground-truth onset time per line (seconds; hits closer
               than 30 ms merged into the first)
  NAME.beats   one ground-truth beat (quarter note) per line; absent for
               beatless clips
  NAME.json    description: tempo segments, tags, duration
Usage: gen_corpus.py OUTDIR [VARIANT] [--only NAME]
VARIANT 0 (default) is the reference corpus; other numbers give a held-out
variant: other drum samples and timing, tempi scaled by up to ±8 %.
VARIANT 4 and up also lay a music bed under the drums: a sawtooth bass
note per bar and a chord of detuned sawtooth pairs on the same root, as in
most produced music. Its sustained harmonics beat against each other
within the analysis bins (the flux flutters at the bass's fundamental and
at the detuning), which drum-only clips never test. The bass's note
changes (bar starts) are labelled onsets.
VARIANT 5 adds a lead line over the bed: plucked sawtooth notes on a
syncopated sixteenth rhythm (the riff changes every bar, most notes off the
beat), from the bar's chord, labelled as onsets. Melodic onsets that do not
mark the beat are what a drum tracker must not follow.
VARIANT 6 adds a spoken vocal (espeak-ng) over variant 5 from the third
bar: a phrase every two bars, about 5 dB below the drums (RMS). Syllables are not
labelled (their onsets are not well defined), so onset F counts them as
false detections for both analysers; the beat figures are the point.
--only NAME writes just that clip (e.g. for an integration test).
"""
import array
import json
import math
import os
import random
import subprocess
import sys
import wave
import zlib

SR = 48000
LEAD_IN = 0.25  # seconds of silence before the first beat
BED_GAIN = 0.35  # the music bed (VARIANT >= 4) under the drums
LEAD_GAIN = 0.3  # the lead line (VARIANT >= 5), relative to the drums
VOCAL_GAIN = 1.0  # the spoken vocal (VARIANT >= 6), normalised to -6 dBFS: about 5 dB below the drums (RMS)
BED_ROOTS = [41.2, 43.65, 46.25, 49.0, 51.9, 55.0]
BED_PROGRESSION = [1.0, 4.0 / 3.0, 1.5, 1.2]  # I IV V iii-ish, one step per bar
# Lead riffs, one per bar in turn: sixteenth steps with a note ('.' rest).
LEAD_RIFFS = ['x..x..x...x.x...', '..x..x..x..x.x..', 'x...x..x..x..x..', '.x..x.x...x..x.x']
LEAD_DEGREES = [1.0, 1.125, 1.25, 1.5, 1.667, 2.0]  # a major pentatonic-ish set over the chord root
VOCAL_LINES = ['light it up tonight', 'move your body to the sound', 'everybody on the floor now',
               'we keep on dancing till the morning', 'feel the bass line coming through',
               'hands up high and let it go']


# ---------------------------------------------------------------- voices

def _decay(n, tau):
    k = math.exp(-1.0 / (tau * SR))
    out, a = [0.0] * n, 1.0
    for i in range(n):
        out[i] = a
        a *= k
    return out


def kick(rng):
    n = int(0.35 * SR)
    env = _decay(n, 0.18)
    out, phase = [0.0] * n, 0.0
    f_top = 100 + rng.random() * 30
    for i in range(n):
        t = i / SR
        phase += 2 * math.pi * (45 + f_top * math.exp(-t / 0.035)) / SR
        out[i] = 0.9 * env[i] * math.sin(phase)
    for i in range(int(0.003 * SR)):  # beater click
        out[i] += 0.4 * (rng.random() * 2 - 1) * math.exp(-i / (0.0015 * SR))
    return out


def _noise(rng, n):
    return [rng.random() * 2 - 1 for _ in range(n)]


def _highpass(x, a=0.9):
    out, prev_x, prev_y = [0.0] * len(x), 0.0, 0.0
    for i, v in enumerate(x):
        prev_y = a * (prev_y + v - prev_x)
        prev_x = v
        out[i] = prev_y
    return out


def _lowpass(x, a):
    out, y = [0.0] * len(x), 0.0
    for i, v in enumerate(x):
        y += a * (v - y)
        out[i] = y
    return out


def snare(rng):
    n = int(0.25 * SR)
    noise = _lowpass(_highpass(_noise(rng, n), 0.88), 0.5)
    env_n, env_t = _decay(n, 0.07), _decay(n, 0.05)
    f1, f2 = 180 + rng.random() * 20, 320 + rng.random() * 30
    return [1.1 * env_n[i] * noise[i] + 0.45 * env_t[i] * (math.sin(2 * math.pi * f1 * i / SR)
            + 0.5 * math.sin(2 * math.pi * f2 * i / SR)) for i in range(n)]


def hat(rng, open_hat=False):
    n = int((0.4 if open_hat else 0.09) * SR)
    noise = _highpass(_highpass(_noise(rng, n), 0.7), 0.7)
    env = _decay(n, 0.15 if open_hat else 0.022)
    g = 0.35 if open_hat else 0.45
    return [g * env[i] * noise[i] for i in range(n)]


def tom(rng, base):
    n = int(0.3 * SR)
    env = _decay(n, 0.16)
    out, phase = [0.0] * n, 0.0
    for i in range(n):
        phase += 2 * math.pi * (base * (1 + 0.5 * math.exp(-i / (0.03 * SR)))) / SR
        out[i] = 0.7 * env[i] * math.sin(phase)
    return out


def rim(rng):
    n = int(0.04 * SR)
    env = _decay(n, 0.008)
    f = 1700 + rng.random() * 200
    return [0.5 * env[i] * (math.sin(2 * math.pi * f * i / SR) + 0.3 * (rng.random() * 2 - 1)) for i in range(n)]


def crash(rng):
    n = int(1.6 * SR)
    noise = _highpass(_noise(rng, n), 0.6)
    env = _decay(n, 0.5)
    return [0.3 * env[i] * noise[i] for i in range(n)]


def faded(x, seconds=0.02):
    """Raised-cosine fade-out, so a one-shot does not end in a click (a false onset)."""
    n = min(len(x), int(seconds * SR))
    out = list(x)
    for i in range(n):
        out[len(x) - n + i] *= 0.5 + 0.5 * math.cos(math.pi * (i + 1) / n)
    return out


class Kit:
    """A few variants of each voice, so repeated hits are not identical."""

    def __init__(self, seed):
        rng = random.Random(seed)
        voices = {
            'K': [kick(rng) for _ in range(3)],
            'S': [snare(rng) for _ in range(3)],
            'H': [hat(rng) for _ in range(4)],
            'O': [hat(rng, True) for _ in range(2)],
            'T': [tom(rng, 110), tom(rng, 150)],
            'R': [rim(rng) for _ in range(2)],
            'C': [crash(rng)],
        }
        self.voices = {k: [faded(x) for x in v] for k, v in voices.items()}

    def sample(self, voice, rng):
        return rng.choice(self.voices[voice])


# ---------------------------------------------------------------- patterns
# 16 steps per 4/4 bar. 'X' accent, 'x' normal, 'g' ghost; '.' rest.
VELOCITY = {'X': 1.0, 'x': 0.72, 'g': 0.28}

PATTERNS = {
    'rock': {'K': 'X.......X.x.....', 'S': '....X.......X...', 'H': 'x.x.x.x.x.x.x.x.'},
    'funk16': {'K': 'X..x..X...X..x..', 'S': '....X..g.g..X..g', 'H': 'XxxxXxxxXxxxXxxx'},
    'house': {'K': 'X...X...X...X...', 'S': '....X.......X...', 'H': 'gg.ggg.ggg.ggg.g', 'O': '..x...x...x...x.'},
    'hiphop': {'K': 'X.....x...X..x..', 'S': '....X.......X...', 'H': 'x.xgx.xgx.xgx.xg'},
    'ballad': {'K': 'X.......X.......', 'S': '....X.......X...', 'H': 'x.x.x.x.x.x.x.x.'},
    'dnb': {'K': 'X.........X.....', 'S': '....X.......X...', 'H': 'x.x.x.x.x.x.x.x.'},
    'punk': {'K': 'X.....X.X.......', 'S': '....X.......X...', 'H': 'x.x.x.x.x.x.x.x.'},
    'shuffle': {'K': 'X.....x.X.......', 'S': '....X.......X...', 'H': 'x.x.x.x.x.x.x.x.'},
    'dembow': {'K': 'X...X...X...X...', 'S': '...x..x....x..x.', 'R': 'x.x.x.x.x.x.x.x.'},
    'latin': {'K': 'X..x..X...X..x..', 'S': '....X..x.x..X...', 'H': 'x.xx.xx.x.xx.xx.', 'R': '..x..x....x..x..'},
    'busy': {'K': 'X.x...X.X.x...x.', 'S': '....X..g.g..X.gg', 'H': 'xxxxxxxxxxxxxxxx'},
    'pad_only': {},
}
FILL = {'T': '............xxxx', 'S': '............X.x.'}


def merged_pattern(name, bar, fills):
    pattern = dict(PATTERNS[name])
    if fills and bar % 4 == 3:
        for voice in list(pattern):
            pattern[voice] = pattern[voice][:12] + '....'
        for voice, steps in FILL.items():
            pattern[voice] = (pattern.get(voice, '.' * 16)[:12]) + steps[12:]
    return pattern


# ---------------------------------------------------------------- tempo map

def beat_times(segments):
    """segments: [(beats, bpm_start, bpm_end)]; returns the time of every beat (one more than the total)."""
    times, t = [LEAD_IN], LEAD_IN
    for beats, b0, b1 in segments:
        for k in range(beats):
            bpm = b0 + (b1 - b0) * (k + 0.5) / beats
            t += 60.0 / bpm
            times.append(t)
    return times


def step_time(beats, bar, step, swing8, swing16):
    k = bar * 4 + step // 4
    frac = (step % 4) / 4.0
    if swing8 and step % 4 == 2:
        frac = swing8
    if swing16 and step % 2 == 1:
        frac = (step % 4 // 2) * 0.5 + swing16 * 0.5
    return beats[k] + frac * (beats[k + 1] - beats[k])


# ---------------------------------------------------------------- rendering

def add(out, sample, at, gain):
    i0 = int(round(at * SR))
    if i0 >= len(out):
        return
    n = min(len(sample), len(out) - i0)
    out[i0:i0 + n] = [a + gain * b for a, b in zip(out[i0:i0 + n], sample[:n])]


def write_wav(path, samples):
    peak = max(1e-9, max(abs(v) for v in samples))
    scale = 0.7 / peak  # -3 dBFS
    data = array.array('h', (int(max(-32767, min(32767, v * scale * 32767))) for v in samples))
    with wave.open(path, 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(data.tobytes())


def sox(*args):
    subprocess.run(['sox', '-R', *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def merge_onsets(times, within=0.030):
    merged = []
    for t in sorted(times):
        if not merged or t - merged[-1] > within:
            merged.append(t)
    return merged


def pattern_at(spec, bar):
    """The name of the drum pattern a clip plays in `bar`."""
    return spec['pattern'](bar) if callable(spec['pattern']) else spec['pattern']


def render_bed(outdir, spec, beats, bars, duration, rng):
    """The music bed (VARIANT >= 4): returns a mono wav path and the note-change times."""
    root = rng.choice(BED_ROOTS)
    parts, changes = [], []
    for bar in range(bars):
        start, end = beats[4 * bar], beats[4 * bar + 4]
        f = root * BED_PROGRESSION[bar % len(BED_PROGRESSION)]
        part = os.path.join(outdir, '%s.bed%03d.wav' % (spec['name'], bar))
        # Bass: a sawtooth note for the whole bar; chord: root position triad
        # two octaves up, each note a pair of saws 0.3 % apart.
        chord = []
        for ratio in (4.0, 5.0, 6.0):
            chord += ['sawtooth', '%.3f' % (f * ratio * 0.9985), 'sawtooth', '%.3f' % (f * ratio * 1.0015)]
        sox('-r', str(SR), '-n', '-c', '1', part + '.bass.wav', 'synth', '%.4f' % (end - start), 'sawtooth',
            '%.3f' % f, 'lowpass', '1200', 'fade', 't', '0.004', '%.4f' % (end - start), '0.02')
        sox('-r', str(SR), '-c', '6', '-n', '-c', '1', part + '.chord.wav', 'synth', '%.4f' % (end - start), *chord,
            'remix', '-', 'lowpass', '3000', 'fade', 't', '0.2', '%.4f' % (end - start), '0.02')
        sox('-m', '-v', '0.5', part + '.bass.wav', '-v', '0.08', part + '.chord.wav', part)
        os.remove(part + '.bass.wav')
        os.remove(part + '.chord.wav')
        parts.append(part)
        changes.append(start)
    lead_in = os.path.join(outdir, '%s.bedlead.wav' % spec['name'])
    sox('-r', str(SR), '-n', '-c', '1', lead_in, 'trim', '0', '%.4f' % beats[0])
    bed = os.path.join(outdir, '%s.bed.wav' % spec['name'])
    sox(lead_in, *parts, bed, 'pad', '0', '%.4f' % max(0.0, duration - beats[4 * bars]))
    for path in parts + [lead_in]:
        os.remove(path)
    return bed, changes, root


def pluck(freq, seconds, rng):
    """A plucked sawtooth note: 3 ms attack, exponential decay, a one-pole lowpass closing with it."""
    n = int(seconds * SR)
    out, phase, lp = [0.0] * n, rng.random(), 0.0
    env_k = math.exp(-1.0 / (0.12 * SR))
    env = 1.0
    attack = int(0.003 * SR)
    for i in range(n):
        phase += freq / SR
        phase -= math.floor(phase)
        saw = 2.0 * phase - 1.0
        a = 0.15 + 0.5 * env  # brighter at the attack
        lp += a * (saw - lp)
        gain = env * (i / attack if i < attack else 1.0)
        out[i] = gain * lp
        env *= env_k
    return out


def render_lead(out, spec, beats, bars, root, rng):
    """The lead line (VARIANT >= 5) added into `out`; returns its note onset times."""
    onsets = []
    for bar in range(bars):
        if pattern_at(spec, bar) == 'pad_only':
            continue  # a breakdown stays a breakdown
        riff = LEAD_RIFFS[bar % len(LEAD_RIFFS)]
        chord_root = root * BED_PROGRESSION[bar % len(BED_PROGRESSION)] * 8.0
        for step, ch in enumerate(riff):
            if ch == '.':
                continue
            t = step_time(beats, bar, step, spec.get('swing8'), spec.get('swing16'))
            t += rng.gauss(0.0, 0.003)
            freq = chord_root * rng.choice(LEAD_DEGREES)
            add(out, pluck(freq, 0.25, rng), t, LEAD_GAIN * (1.0 + rng.uniform(-0.1, 0.1)))
            onsets.append(t)
    return onsets


def render_vocal(outdir, spec, beats, bars, duration, rng):
    """The spoken vocal (VARIANT >= 6): a mono wav path, phrases every two bars from bar 2."""
    parts = []
    for bar in range(2, bars - 1, 2):
        part = os.path.join(outdir, '%s.vocal%03d.wav' % (spec['name'], bar))
        line = VOCAL_LINES[(bar // 2) % len(VOCAL_LINES)]
        subprocess.run(['espeak-ng', '-w', part + '.raw.wav', '-s', str(rng.randint(150, 190)),
                        '-p', str(rng.randint(35, 65)), line], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Placed at the bar start (plus a little), resampled to the corpus rate.
        start = beats[4 * bar] + rng.uniform(0.0, 0.2)
        sox(part + '.raw.wav', '-r', str(SR), '-c', '1', part, 'pad', '%.4f' % start)
        os.remove(part + '.raw.wav')
        parts.append(part)
    vocal = os.path.join(outdir, '%s.vocal.wav' % spec['name'])
    silence = os.path.join(outdir, '%s.vocal0.wav' % spec['name'])
    sox('-r', str(SR), '-n', '-c', '1', silence, 'trim', '0', '%.4f' % duration)
    sox('-m', silence, *parts, vocal, 'trim', '0', '%.4f' % duration, 'gain', '-n', '-6')
    for path in parts + [silence]:
        os.remove(path)
    return vocal


def render_clip(outdir, spec, kit, variant=0):
    name = spec['name']
    rng = random.Random(zlib.crc32(name.encode()) + 7919 * variant)
    segments = spec['tempo']
    beats = beat_times(segments)
    bars = sum(s[0] for s in segments) // 4
    duration = beats[-1] + 1.0
    out = [0.0] * int(duration * SR)
    jitter = spec.get('jitter', 0.004)
    onsets = []
    for bar in range(bars):
        name_at = pattern_at(spec, bar)
        pattern = merged_pattern(name_at, bar, spec.get('fills', False))
        level = spec['level'](bar) if 'level' in spec else 1.0
        if bar == 0 and spec.get('crash', True) and name_at != 'pad_only':
            add(out, kit.sample('C', rng), beats[0], 0.8 * level)
        for voice, steps in pattern.items():
            for step, ch in enumerate(steps):
                if ch == '.':
                    continue
                t = step_time(beats, bar, step, spec.get('swing8'), spec.get('swing16'))
                t += rng.gauss(0.0, jitter) if jitter else 0.0
                vel = VELOCITY[ch] * (1.0 + rng.uniform(-0.12, 0.12))
                add(out, kit.sample(voice, rng), t, vel * level)
                onsets.append(t)
    wav = os.path.join(outdir, name + '.wav')
    dry = os.path.join(outdir, name + '.dry.wav')
    if variant >= 4:
        bed, changes, root = render_bed(outdir, spec, beats, bars, duration, rng)
        onsets += changes
        if variant >= 5:
            onsets += render_lead(out, spec, beats, bars, root, rng)
        write_wav(dry, out)  # the drums (and the lead line)
        drums = dry + '.drums.wav'
        os.rename(dry, drums)
        layers = ['-v', '1.0', drums, '-v', str(BED_GAIN), bed]
        vocal = None
        if variant >= 6:
            vocal = render_vocal(outdir, spec, beats, bars, duration, rng)
            layers += ['-v', str(VOCAL_GAIN), vocal]
        sox('-m', *layers, dry)
        for path in (drums, bed, vocal):
            if path:
                os.remove(path)
    else:
        write_wav(dry, out)
    finish(dry, wav, spec, duration, outdir)
    os.remove(dry)
    with open(os.path.join(outdir, name + '.onsets'), 'w') as f:
        f.writelines('%.6f\n' % t for t in merge_onsets(onsets))
    with open(os.path.join(outdir, name + '.beats'), 'w') as f:
        f.writelines('%.6f\n' % t for t in beats[:-1])
    meta = {'name': name, 'tags': spec.get('tags', []), 'duration': duration,
            'segments': [{'beats': b, 'bpmStart': b0, 'bpmEnd': b1} for b, b0, b1 in segments],
            'beatTimes': beats}
    with open(os.path.join(outdir, name + '.json'), 'w') as f:
        json.dump(meta, f)


def finish(dry, wav, spec, duration, outdir):
    """sox: pad drone, noise, reverb, final level."""
    stage = dry
    tmp = []

    def next_file():
        path = os.path.join(outdir, '%s.stage%d.wav' % (spec['name'], len(tmp)))
        tmp.append(path)
        return path

    if spec.get('pad', True):
        pad = next_file()
        root = spec.get('pad_root', 110.0)
        sox('-r', str(SR), '-c', '3', '-n', '-c', '1', pad, 'synth', '%.3f' % duration, 'sine', '%.2f' % root,
            'sine', '%.2f' % (root * 1.189), 'sine', '%.2f' % (root * 1.498),
            'remix', '-', 'tremolo', '0.2', '30', 'fade', 'q', '1.5', '%.3f' % duration, '1.0')
        mixed = next_file()
        sox('-m', '-v', '1.0', stage, '-v', str(spec.get('pad_gain', 0.12)), pad, mixed)
        stage = mixed
    if spec.get('noise_gain'):
        noise = next_file()
        sox('-n', '-r', str(SR), '-c', '1', noise, 'synth', '%.3f' % duration, 'pinknoise')
        mixed = next_file()
        sox('-m', '-v', '1.0', stage, '-v', str(spec['noise_gain']), noise, mixed)
        stage = mixed
    if spec.get('reverb'):
        wet = next_file()
        sox(stage, wet, 'reverb', str(spec['reverb']), '50', '100', '100', '0', '0')
        stage = wet
    sox(stage, '-b', '16', wav, 'gain', '-n', '-3')
    for path in tmp:
        os.remove(path)


def render_random_hits(outdir, kit):
    """Beatless: hits at random (Poisson) times; onsets labelled, no beats."""
    rng = random.Random(77)
    duration = 30.0
    out = [0.0] * int(duration * SR)
    t, onsets = LEAD_IN, []
    while t < duration - 1.0:
        add(out, kit.sample(rng.choice('KSHHR'), rng), t, rng.uniform(0.5, 1.0))
        onsets.append(t)
        t += max(0.06, rng.expovariate(3.0))
    dry = os.path.join(outdir, 'random_hits.dry.wav')
    wav = os.path.join(outdir, 'random_hits.wav')
    write_wav(dry, out)
    finish(dry, wav, {'name': 'random_hits', 'pad': True}, duration, outdir)
    os.remove(dry)
    with open(os.path.join(outdir, 'random_hits.onsets'), 'w') as f:
        f.writelines('%.6f\n' % x for x in merge_onsets(onsets))
    with open(os.path.join(outdir, 'random_hits.json'), 'w') as f:
        json.dump({'name': 'random_hits', 'tags': ['beatless'], 'duration': duration, 'segments': []}, f)


def render_ambient(outdir):
    """Beatless, no onsets: a pad drone with pink noise."""
    duration = 30.0
    wav = os.path.join(outdir, 'ambient.wav')
    pad = os.path.join(outdir, 'ambient.pad.wav')
    noise = os.path.join(outdir, 'ambient.noise.wav')
    sox('-r', str(SR), '-c', '3', '-n', '-c', '1', pad, 'synth', '%.3f' % duration, 'sine', '98', 'sine', '116.5',
        'sine', '146.8', 'remix', '-', 'tremolo', '0.15', '40', 'fade', 'q', '3', '%.3f' % duration, '3')
    sox('-n', '-r', str(SR), '-c', '1', noise, 'synth', '%.3f' % duration, 'pinknoise')
    sox('-m', '-v', '0.5', pad, '-v', '0.05', noise, '-b', '16', wav, 'gain', '-n', '-6')
    os.remove(pad)
    os.remove(noise)
    open(os.path.join(outdir, 'ambient.onsets'), 'w').close()
    with open(os.path.join(outdir, 'ambient.json'), 'w') as f:
        json.dump({'name': 'ambient', 'tags': ['beatless'], 'duration': duration, 'segments': []}, f)


def bars_for(bpm, seconds=30.0):
    return max(4, int(round(seconds * bpm / 240.0)))


def constant(bpm, seconds=30.0):
    return [(4 * bars_for(bpm, seconds), bpm, bpm)]


CLIPS = [
    {'name': 'rock_120', 'pattern': 'rock', 'tempo': constant(120), 'tags': ['straight']},
    {'name': 'funk16_96', 'pattern': 'funk16', 'tempo': constant(96), 'tags': ['16ths', 'syncopation']},
    {'name': 'house_124', 'pattern': 'house', 'tempo': constant(124), 'tags': ['four-on-the-floor']},
    {'name': 'hiphop_88_swing', 'pattern': 'hiphop', 'tempo': constant(88), 'swing16': 0.6,
     'tags': ['swing', 'syncopation']},
    {'name': 'ballad_72', 'pattern': 'ballad', 'tempo': constant(72), 'tags': ['slow']},
    {'name': 'dnb_174', 'pattern': 'dnb', 'tempo': constant(174), 'tags': ['fast', 'syncopation']},
    {'name': 'punk_180', 'pattern': 'punk', 'tempo': constant(180), 'tags': ['fast']},
    {'name': 'shuffle_110', 'pattern': 'shuffle', 'tempo': constant(110), 'swing8': 2.0 / 3.0, 'tags': ['swing']},
    {'name': 'dembow_95', 'pattern': 'dembow', 'tempo': constant(95), 'tags': ['syncopation']},
    {'name': 'latin_140', 'pattern': 'latin', 'tempo': constant(140), 'tags': ['syncopation']},
    {'name': 'busy_160_fills', 'pattern': 'busy', 'tempo': constant(160), 'fills': True, 'tags': ['fills']},
    {'name': 'change_100_128', 'pattern': 'rock', 'tempo': [(32, 100, 100), (36, 128, 128)],
     'tags': ['tempo-change']},
    {'name': 'ramp_90_140', 'pattern': 'funk16', 'tempo': [(8, 90, 90), (48, 90, 140), (16, 140, 140)],
     'tags': ['tempo-change']},
    {'name': 'breakdown_126', 'pattern': lambda bar: 'pad_only' if 8 <= bar < 12 else 'house',
     'tempo': [(4 * 18, 126, 126)], 'pad_gain': 0.25, 'tags': ['breakdown']},
    {'name': 'noisy_115', 'pattern': 'rock', 'tempo': constant(115), 'noise_gain': 0.35, 'tags': ['noise']},
    {'name': 'reverb_105', 'pattern': 'funk16', 'tempo': constant(105), 'reverb': 80, 'tags': ['reverb']},
    {'name': 'quiet_132', 'pattern': 'rock', 'tempo': constant(132),
     'level': lambda bar: 0.03 if 6 <= bar < 10 else 1.0, 'tags': ['quiet-passage']},
    {'name': 'humanised_84', 'pattern': 'ballad', 'tempo': constant(84), 'jitter': 0.012,
     'tags': ['loose-timing']},
]


def vary(spec, variant):
    """A held-out variant of a clip: tempi scaled, swing and levels nudged."""
    if variant == 0:
        return spec
    rng = random.Random('%s/%d' % (spec['name'], variant))
    scale = rng.uniform(0.92, 1.08)
    out = dict(spec)
    out['tempo'] = [(beats, b0 * scale, b1 * scale) for beats, b0, b1 in spec['tempo']]
    for key in ('swing8', 'swing16'):
        if key in spec:
            out[key] = spec[key] + rng.uniform(-0.03, 0.03)
    if 'noise_gain' in spec:
        out['noise_gain'] = spec['noise_gain'] * rng.uniform(0.8, 1.2)
    out['pad_root'] = rng.choice([82.4, 92.5, 103.8, 123.5])
    return out


def main():
    args = sys.argv[1:]
    only = None
    if '--only' in args:
        at = args.index('--only')
        if at + 1 >= len(args):
            print('gen_corpus.py: --only needs a clip name', file=sys.stderr)
            sys.exit(2)
        only = args[at + 1]
        del args[at:at + 2]
    names = [c['name'] for c in CLIPS] + ['random_hits', 'ambient']
    if len(args) not in (1, 2) or (only is not None and only not in names):
        if only is not None and only not in names:
            print('gen_corpus.py: unknown clip %r (one of: %s)' % (only, ', '.join(names)), file=sys.stderr)
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    outdir = args[0]
    variant = int(args[1]) if len(args) == 2 else 0
    os.makedirs(outdir, exist_ok=True)
    kit = Kit(1234 + variant)
    for base in CLIPS:
        if only is not None and base['name'] != only:
            continue
        spec = vary(dict(base), variant)
        spec.setdefault('pad_root', random.Random(spec['name']).choice([87.3, 98.0, 110.0, 130.8]))
        render_clip(outdir, spec, kit, variant)
        print('  ' + spec['name'], flush=True)
    if only in (None, 'random_hits'):
        render_random_hits(outdir, kit)
        print('  random_hits', flush=True)
    if only in (None, 'ambient'):
        render_ambient(outdir)
        print('  ambient', flush=True)


if __name__ == '__main__':
    main()
