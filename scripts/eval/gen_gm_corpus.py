#!/usr/bin/env python3
"""Generate the second evaluation corpus: General MIDI arrangements played
through a sampled instrument set (fluidsynth with the FluidR3 GM soundfont).

The first corpus (gen_corpus.py) synthesises its own drums; this one uses
recorded drum kits, bass, guitars, pianos and strings, in arrangements the
first corpus does not have: jazz ride swing with a walking bass, a waltz in
3/4 without drums, reggae's one drop, bossa nova, a solo stride piano, a
metal double kick, a country two-beat, a shuffle, a breakdown without
drums, and two beatless clips (a string pad, a rubato piano). Its purpose
is to check the analysis on material its settings were not tuned on.

Beside each clip NAME.wav (mono, 48 kHz, 16 bit) the generator writes, as
gen_corpus.py does:
  NAME.onsets  every note start of a struck or plucked instrument (hits
               closer than 30 ms merged); bowed strings and pads, whose
               attacks take a few hundred milliseconds, are not labelled
  NAME.beats   one beat per quarter note (also in 3/4); absent for the
               beatless clips
  NAME.json    tempo segments, metre, tags, duration
Notes are placed in seconds with a humanised timing (drums sd 4 ms, other
parts sd 6 ms) and velocity; the labels are the played times.
Usage: gen_gm_corpus.py OUTDIR [--only NAME]
Needs: fluidsynth, fluid-soundfont-gm, sox.
"""
import array
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import wave
import zlib

from gen_corpus import LEAD_IN, SR, beat_times, merge_onsets  # the same tempo map and onset merging

SOUNDFONT = '/usr/share/sounds/sf2/FluidR3_GM.sf2'
DRUMS = 9  # the General MIDI percussion channel (0-based)
# One tick is 100 µs: 9600 ticks per quarter at 960000 µs per quarter. The
# file's own tempo is only a clock; the music's tempo is in where notes fall.
TPQ = 9600
TEMPO_US = 960000

# General MIDI percussion keys
KICK, SIDE_STICK, SNARE, CLAP, HAT, PEDAL_HAT, OPEN_HAT, CRASH, RIDE, RIDE_BELL = 36, 37, 38, 39, 42, 44, 46, 49, 51, 53
DRUM_KEYS = {'K': KICK, 'R': SIDE_STICK, 'S': SNARE, 'C': CLAP, 'H': HAT, 'P': PEDAL_HAT, 'O': OPEN_HAT,
             'Y': CRASH, 'D': RIDE, 'B': RIDE_BELL}
VELOCITY = {'X': 120, 'x': 100, 'o': 70, 'g': 42}

# General MIDI programs
PIANO, EPIANO, CLAV, VIBES, ORGAN, NYLON, STEEL, CLEAN_GTR, DRIVE_GTR, DIST_GTR = 0, 4, 7, 11, 16, 24, 25, 27, 29, 30
UPRIGHT, FINGER_BASS, PICK_BASS, SLAP_BASS, SYNTH_BASS, STRINGS, BRASS, PAD = 32, 33, 34, 36, 38, 48, 61, 89

MAJOR = [0, 4, 7]
MINOR = [0, 3, 7]
DOM7 = [0, 4, 7, 10]
MIN7 = [0, 3, 7, 10]
MAJ7 = [0, 4, 7, 11]


# ---------------------------------------------------------------- MIDI file

def _vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def write_smf(path, events):
    """events: (seconds, order, bytes). Writes a format-0 Standard MIDI File."""
    events = sorted(events, key=lambda e: (e[0], e[1]))
    track = bytearray(b'\x00\xff\x51\x03' + TEMPO_US.to_bytes(3, 'big'))
    last = 0
    for seconds, _, data in events:
        tick = max(0, round(seconds * 1e6 * TPQ / TEMPO_US))
        track += _vlq(tick - last) + data
        last = tick
    track += b'\x00\xff\x2f\x00'
    with open(path, 'wb') as f:
        f.write(b'MThd' + struct.pack('>IHHH', 6, 0, 1, TPQ))
        f.write(b'MTrk' + struct.pack('>I', len(track)) + track)


# ---------------------------------------------------------------- songs

class Song:
    def __init__(self, name, segments, metre, rng):
        self.name, self.segments, self.metre, self.rng = name, segments, metre, rng
        self.beats = beat_times(segments)
        self.bars = (len(self.beats) - 1) // metre
        self.events, self.onsets, self.channels = [], [], {}

    def at(self, pos):
        """The time of a position counted in beats (fractions fall between the beats around them)."""
        k = min(int(pos), len(self.beats) - 2)
        return self.beats[k] + (pos - k) * (self.beats[k + 1] - self.beats[k])

    def instrument(self, program, volume=100, pan=64):
        ch = len(self.channels)
        ch += ch >= DRUMS
        self.channels[ch] = program
        self.events += [(0.0, 0, bytes([0xC0 | ch, program])), (0.0, 0, bytes([0xB0 | ch, 7, volume])),
                        (0.0, 0, bytes([0xB0 | ch, 10, pan]))]
        return ch

    def note(self, ch, key, pos, length, vel, label=True, sd=0.006, shift=0.0):
        """A note at beat position `pos` (plus `shift` seconds), `length` beats long, humanised."""
        t = self.at(pos) + shift + self.rng.gauss(0.0, sd)
        end = self.at(min(pos + length, len(self.beats) - 1.001))
        vel = max(1, min(127, round(vel * self.rng.uniform(0.9, 1.1))))
        self.events.append((t, 1, bytes([0x90 | ch, key, vel])))
        self.events.append((max(t + 0.03, end), 0, bytes([0x80 | ch, key, 0])))
        if label:
            # Labelled where the sound starts, not at the note-on.
            self.onsets.append(t + sound_delay(DRUMS_PROGRAM if ch == DRUMS else self.channels[ch], key))

    def chord(self, ch, root, shape, pos, length, vel, label=True):
        strum = self.rng.gauss(0.0, 0.006)
        for i, iv in enumerate(shape):  # a strum: 4 ms between the strings
            self.note(ch, root + iv, pos, length, vel, label=label and i == 0, sd=0.0, shift=strum + 0.004 * i)

    def drums(self, bars, pattern, steps_per_beat=4, swing=None, volume=1.0):
        """pattern: {voice letter: steps string over one bar}; swing moves every other eighth (or
        sixteenth, with 4 steps a beat) to that fraction of its pair."""
        for bar in bars:
            for voice, steps in pattern.items():
                for step, ch in enumerate(steps):
                    if ch == '.':
                        continue
                    pos = bar * self.metre + self.step_pos(step, steps_per_beat, swing)
                    self.note(DRUMS, DRUM_KEYS[voice], pos, 0.25, VELOCITY[ch] * volume, sd=0.004)

    @staticmethod
    def step_pos(step, steps_per_beat, swing):
        beat, sub = divmod(step, steps_per_beat)
        frac = sub / steps_per_beat
        if swing and steps_per_beat in (2, 4):
            pair = 2.0 / steps_per_beat
            k, r = divmod(frac, pair)
            if r > 1e-9:
                frac = k * pair + swing * pair
        return beat + frac

    def render(self, outdir):
        """NAME.wav and its labels; a song with no tempo segments is beatless (30 s, no NAME.beats)."""
        base = os.path.join(outdir, self.name)
        beatless = not self.segments
        duration = 30.0 if beatless else self.beats[-1] + 1.5
        render_audio(base, self.events, duration)
        with open(base + '.onsets', 'w') as f:
            f.writelines('%.6f\n' % t for t in merge_onsets(self.onsets))
        meta = {'name': self.name, 'tags': ['gm', 'beatless'] if beatless else ['gm'], 'duration': duration,
                'segments': [{'beats': b, 'bpmStart': b0, 'bpmEnd': b1} for b, b0, b1 in self.segments]}
        if not beatless:
            with open(base + '.beats', 'w') as f:
                f.writelines('%.6f\n' % t for t in self.beats[:-1])
            meta.update(metre=self.metre, beatTimes=self.beats)
        with open(base + '.json', 'w') as f:
            json.dump(meta, f)

DRUMS_PROGRAM = -1
_SOUND_DELAY = {}


def sound_delay(program, key):
    """Seconds from a note-on to the sound reaching -40 dB of its peak, measured once per instrument by
    rendering the note alone: 2-4 ms for the drum kit, up to 7 ms for a bass or a guitar.
    Pitched instruments are measured at one note (middle C, or C3 for the basses)."""
    which = (program, key if program == DRUMS_PROGRAM else None)
    if which not in _SOUND_DELAY:
        _SOUND_DELAY[which] = _measure_sound_delay(program, key)
    return _SOUND_DELAY[which]


def _measure_sound_delay(program, key):
    ch, start = (DRUMS if program == DRUMS_PROGRAM else 0), 0.5
    events = [] if program == DRUMS_PROGRAM else [(0.0, 0, bytes([0xC0, program]))]
    if program != DRUMS_PROGRAM:
        key = 48 if UPRIGHT <= program <= SYNTH_BASS + 1 else 60
    events += [(start, 1, bytes([0x90 | ch, key, 100])), (start + 0.5, 0, bytes([0x80 | ch, key, 0]))]
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, 'note')
        render_audio(base, events, start + 1.0)
        with wave.open(base + '.wav') as w:
            level = [abs(x) for x in array.array('h', w.readframes(w.getnframes()))]
    peak = max(level)
    first = next(i for i, v in enumerate(level) if v >= 0.01 * peak)
    return max(0.0, first / SR - start)


def render_audio(base, events, duration):
    """BASE.wav from the events: fluidsynth renders the MIDI file, sox mixes it to mono at -3 dB peak."""
    write_smf(base + '.mid', events)
    subprocess.run(['fluidsynth', '-ni', '-q', '-g', '0.4', '-r', str(SR), '-F', base + '.raw.wav', SOUNDFONT,
                    base + '.mid'], check=True, stdout=subprocess.DEVNULL)
    # -R: sox's dither repeatable, so the same corpus comes out byte for byte.
    subprocess.run(['sox', '-R', '-V1', base + '.raw.wav', '-c', '1', '-b', '16', base + '.wav', 'remix', '-',
                    'trim', '0', '%.4f' % duration, 'gain', '-n', '-3'], check=True)
    os.remove(base + '.raw.wav')
    os.remove(base + '.mid')


def bars_for(bpm, metre, seconds=30.0):
    return max(4, round(seconds * bpm / 60.0 / metre))


def constant(bpm, metre=4):
    return [(bars_for(bpm, metre) * metre, bpm, bpm)]


# Progressions: (root key, chord shape) per bar
POP = [(48, MAJOR), (55, MAJOR), (57, MINOR), (53, MAJOR)]  # C G Am F
JAZZ = [(50, MIN7), (55, DOM7), (48, MAJ7), (48, MAJ7)]  # ii V I I
BLUES = [(45, DOM7)] * 4 + [(50, DOM7)] * 2 + [(45, DOM7)] * 2 + [(52, DOM7), (50, DOM7), (45, DOM7), (52, DOM7)]


def progression(prog, bar):
    return prog[bar % len(prog)]


def bass_line(song, ch, prog, rhythm, steps_per_beat=4, swing=None, vel=100, octave=-12, length=None):
    """rhythm: per-bar steps string; 'r' root, 'f' fifth, 'o' octave, '3' the chord's third, '6' sixth, 'b' flat seventh."""
    for bar in range(song.bars):
        root, shape = progression(prog, bar)
        for step, c in enumerate(rhythm):
            if c == '.':
                continue
            key = root + octave + {'r': 0, 'f': 7, 'o': 12, '3': shape[1], '6': 9, 'b': 10}[c]
            pos = bar * song.metre + Song.step_pos(step, steps_per_beat, swing)
            song.note(ch, key, pos, length or (1.0 / steps_per_beat) * 0.9, vel)


def comp(song, ch, prog, rhythm, steps_per_beat=4, swing=None, vel=80, length=None, label=True, bars=None):
    for bar in bars if bars is not None else range(song.bars):
        root, shape = progression(prog, bar)
        for step, c in enumerate(rhythm):
            if c == '.':
                continue
            pos = bar * song.metre + Song.step_pos(step, steps_per_beat, swing)
            song.chord(ch, root + 12, shape, pos, length or 0.4, vel * (1.2 if c == 'X' else 1.0), label)


def every_bar(song):
    return range(song.bars)


def crash_every(song, n=8):
    for bar in range(0, song.bars, n):
        song.note(DRUMS, CRASH, bar * song.metre, 1.0, 100, sd=0.004)


def rock(rng):
    s = Song('gm_rock_118', constant(118), 4, rng)
    s.drums(every_bar(s), {'K': 'x.......x.x.....', 'S': '....x.......x...', 'H': 'x.o.x.o.x.o.x.o.'})
    crash_every(s)
    bass_line(s, s.instrument(PICK_BASS), POP, 'rrrrrrrr', steps_per_beat=2)
    g = s.instrument(DRIVE_GTR, 80)
    comp(s, g, [(r - 12, [0, 7, 12]) for r, _ in POP], 'xxxxxxxx', steps_per_beat=2, length=0.3, vel=70)
    return s


def jazz(rng):
    s = Song('gm_jazz_ride_150', constant(150), 4, rng)
    s.drums(every_bar(s), {'D': 'x..x.xx..x.x', 'P': '...x.....x..', 'K': 'g..g..g..g..'}, steps_per_beat=3)
    bass = s.instrument(UPRIGHT, 110)
    for bar in range(s.bars):
        root, shape = progression(JAZZ, bar)
        nxt, _ = progression(JAZZ, bar + 1)
        line = [root, root + shape[1], root + 7, nxt - 1 if rng.random() < 0.5 else nxt + 2]
        for b, key in enumerate(line):
            s.note(bass, key - 12, bar * 4 + b, 0.9, 95)
    piano = s.instrument(PIANO, 85)
    for bar in range(s.bars):
        root, shape = progression(JAZZ, bar)
        for pos in sorted(rng.sample([0.667, 1.667, 2.0, 2.667, 3.667], 2)):
            s.chord(piano, root + 12, shape, bar * 4 + pos, 0.5, 65)
    return s


def waltz(rng):
    s = Song('gm_waltz_84', constant(84, 3), 3, rng)
    prog = [(48, MAJOR), (53, MAJOR), (55, DOM7), (48, MAJOR)]
    bass = s.instrument(UPRIGHT, 105)
    piano = s.instrument(PIANO, 80)
    vib = s.instrument(VIBES, 90)
    for bar in range(s.bars):
        root, shape = progression(prog, bar)
        s.note(bass, root - 12 + (7 if bar % 2 else 0), bar * 3, 0.9, 100)
        for b in (1, 2):
            s.chord(piano, root + 12, shape, bar * 3 + b, 0.5, 60)
        rhythm = rng.choice([[0, 1, 2], [0, 1.5, 2], [0, 2], [0, 0.5, 1, 2]])
        for pos in rhythm:
            s.note(vib, root + 24 + rng.choice(shape + [12]), bar * 3 + pos, 0.5, 85)
    return s


def reggae(rng):
    s = Song('gm_reggae_76', constant(76), 4, rng)
    s.drums(every_bar(s), {'K': '........x.......', 'R': '........x.......', 'H': 'o.o.o.o.o.o.o.o.'},
            swing=0.58)
    bass = s.instrument(FINGER_BASS, 115)
    bass_line(s, bass, POP, 'r.....r.f...3...', length=0.45)
    gtr = s.instrument(CLEAN_GTR, 80)
    comp(s, gtr, POP, '....x.......x...', length=0.15, vel=75)
    organ = s.instrument(ORGAN, 55)
    comp(s, organ, POP, '..o...o...o...o.', length=0.12, vel=60)
    return s


def bossa(rng):
    s = Song('gm_bossa_132', constant(132), 4, rng)
    s.drums(every_bar(s), {'K': 'x..xx..xx..xx..x', 'R': 'x..x..x...x..x..', 'H': 'o.o.o.o.o.o.o.o.'},
            volume=0.8)
    bass = s.instrument(UPRIGHT, 105)
    bass_line(s, bass, POP, 'r.....f.r.....f.', length=0.7)
    gtr = s.instrument(NYLON, 95)
    comp(s, gtr, POP, 'x..x..x...x..x..', length=0.3, vel=75)
    return s


def disco(rng):
    s = Song('gm_disco_122', constant(122), 4, rng)
    s.drums(every_bar(s), {'K': 'x...x...x...x...', 'C': '....x.......x...', 'O': '..x...x...x...x.',
                           'H': 'o...o...o...o...'})
    crash_every(s)
    bass = s.instrument(FINGER_BASS, 105)
    bass_line(s, bass, POP, 'rorororo', steps_per_beat=2)
    brass = s.instrument(BRASS, 70)
    comp(s, brass, POP, '..............X.', length=0.2, vel=80, bars=range(1, s.bars, 2))
    ep = s.instrument(EPIANO, 70)
    comp(s, ep, POP, '....x.......x...', length=0.3, vel=60)
    return s


def stride_piano(rng):
    s = Song('gm_piano_stride_100', constant(100), 4, rng)
    piano = s.instrument(PIANO, 110)
    for bar in range(s.bars):
        root, shape = progression(POP, bar)
        for b in range(4):
            if b % 2 == 0:
                s.note(piano, root - 12 + (7 if b == 2 else 0), bar * 4 + b, 0.8, 95)
            else:
                s.chord(piano, root, shape, bar * 4 + b, 0.6, 70)
        pos = 0.0
        while pos < 4.0:  # the right hand: a melody in eighths and quarters, sometimes resting
            step = rng.choice([0.5, 0.5, 1.0, 1.5])
            if rng.random() < 0.8:
                s.note(piano, root + 24 + rng.choice(shape + [12, 14]), bar * 4 + pos, step * 0.9, 80)
            pos += step
    return s


def metal(rng):
    s = Song('gm_metal_184', constant(184), 4, rng)
    s.drums(every_bar(s), {'K': 'x.x.x.x.x.x.x.x.', 'S': '....X.......X...', 'B': 'x...x...x...x...'})
    crash_every(s, 4)
    bass_line(s, s.instrument(PICK_BASS, 100), [(r - 5, sh) for r, sh in POP[:2]] * 2, 'rrrrrrrr', 2)
    g = s.instrument(DIST_GTR, 85)
    comp(s, g, [(r - 17, [0, 7, 12]) for r, _ in POP[:2]] * 2, 'xxxxxxxx', steps_per_beat=2, length=0.2,
         vel=75)
    return s


def funk(rng):
    s = Song('gm_funk_100', constant(100), 4, rng)
    s.drums(every_bar(s), {'H': 'xoxoxoxoxoxoxoxo', 'K': 'x.x.......x..x..', 'S': '....X..g.g.gX..g'})
    bass = s.instrument(SLAP_BASS, 110)
    bass_line(s, bass, [(52, MIN7)] * 3 + [(57, DOM7)], 'r..o..r.o.r...r.', length=0.2)
    clav = s.instrument(CLAV, 75)
    comp(s, clav, [(52, MIN7)] * 3 + [(57, DOM7)], '.x.x..x..x.x..x.', length=0.1, vel=70)
    return s


def shuffle(rng):
    s = Song('gm_shuffle_92', constant(92), 4, rng)
    s.drums(every_bar(s), {'H': 'x.xx.xx.xx.x', 'K': 'x.....x.....', 'S': '...x.....x..'}, steps_per_beat=3)
    bass = s.instrument(FINGER_BASS, 110)
    bass_line(s, bass, BLUES, 'r.ro.of.f6.6', steps_per_beat=3, length=0.3)
    piano = s.instrument(PIANO, 75)
    comp(s, piano, BLUES, '...x.x...x.x', steps_per_beat=3, length=0.25, vel=65)
    return s


def dnb(rng):
    s = Song('gm_dnb_172', constant(172), 4, rng)
    s.drums(every_bar(s), {'K': 'x.........x.....', 'S': '....x.......x...', 'H': 'x.x.x.x.x.x.x.x.'})
    crash_every(s)
    bass = s.instrument(SYNTH_BASS, 100)
    bass_line(s, bass, POP, 'r...............', length=3.5)
    pad = s.instrument(PAD, 70)
    comp(s, pad, POP, 'x...............', length=4.0, vel=60, label=False)
    return s


def accel(rng):
    segments = [(16, 96, 96), (32, 96, 128), (16, 128, 128)]
    s = Song('gm_accel_96_128', segments, 4, rng)
    s.drums(every_bar(s), {'K': 'x.......x.x.....', 'S': '....x.......x...', 'H': 'x.x.x.x.x.x.x.x.'})
    crash_every(s)
    bass_line(s, s.instrument(FINGER_BASS), POP, 'r.r.r.rf', steps_per_beat=2)
    comp(s, s.instrument(EPIANO, 75), POP, 'x.....x...x.....', length=0.5, vel=65)
    return s


def country(rng):
    s = Song('gm_country_168', constant(168), 4, rng)
    s.drums(every_bar(s), {'K': 'x.......x.......', 'S': '....x.......x...', 'H': '..o...o...o...o.'})
    bass = s.instrument(UPRIGHT, 110)
    bass_line(s, bass, POP, 'r.......f.......', length=0.9)
    gtr = s.instrument(STEEL, 85)
    comp(s, gtr, POP, '....x.o.....x.o.', length=0.3, vel=75)
    return s


def ballad(rng):
    s = Song('gm_ballad_66', constant(66), 4, rng)
    s.drums(every_bar(s), {'K': 'x.....x.........', 'R': '....x.......x...', 'H': 'o.o.o.o.o.o.o.o.'},
            volume=0.8)
    bass = s.instrument(FINGER_BASS, 100)
    bass_line(s, bass, POP, 'r.......f.......', length=1.8)
    piano = s.instrument(PIANO, 90)
    for bar in range(s.bars):  # arpeggios in eighths
        root, shape = progression(POP, bar)
        notes = [root, root + 7, root + 12, root + 12 + shape[1], root + 19, root + 12 + shape[1], root + 12,
                 root + 7]
        for i, key in enumerate(notes):
            s.note(piano, key, bar * 4 + 0.5 * i, 0.45, 70 if i % 2 else 80)
    comp(s, s.instrument(STRINGS, 60), POP, 'x...............', length=4.0, vel=55, label=False)
    return s


def hiphop(rng):
    s = Song('gm_hiphop_90', constant(90), 4, rng)
    s.drums(every_bar(s), {'K': 'x......x.xx.....', 'S': '....x.......x...', 'H': 'x.x.x.x.x.x.x.x.'},
            swing=0.62)
    bass = s.instrument(FINGER_BASS, 110)
    bass_line(s, bass, POP, 'r......r.r......', swing=0.62, length=0.4)
    comp(s, s.instrument(EPIANO, 80), POP, 'x.....x.........', swing=0.62, length=1.2, vel=65)
    return s


def breakdown(rng):
    s = Song('gm_pop_breakdown_124', constant(124), 4, rng)
    full = [b for b in range(s.bars) if not 8 <= b < 12]
    s.drums(full, {'K': 'x...x...x...x...', 'S': '....x.......x...', 'H': 'o.x.o.x.o.x.o.x.'})
    bass = s.instrument(FINGER_BASS, 105)
    piano = s.instrument(PIANO, 85)
    pad = s.instrument(PAD, 70)
    for bar in range(s.bars):
        root, shape = progression(POP, bar)
        if bar in full:
            for i in range(8):
                s.note(bass, root - 12 + (12 if i % 2 else 0), bar * 4 + 0.5 * i, 0.4, 95)
            for b in range(4):
                s.chord(piano, root + 12, shape, bar * 4 + b, 0.4, 60)
        else:  # the breakdown: one held chord a bar and the pad
            s.chord(piano, root + 12, shape, bar * 4, 3.8, 70)
        s.chord(pad, root, shape, bar * 4, 4.0, 50, label=False)
    return s


SONGS = [rock, jazz, waltz, reggae, bossa, disco, stride_piano, metal, funk, shuffle, dnb, accel, country,
         ballad, hiphop, breakdown]


def beatless_pad(rng):
    """Bowed strings and a pad changing chord at irregular times: no beat, no labelled onsets."""
    s = Song('gm_pad_beatless', [], 4, rng)
    strings, pad = s.instrument(STRINGS, 90), s.instrument(PAD, 80)
    t = LEAD_IN
    while t < 29.0:
        length = rng.uniform(2.5, 6.0)
        root, shape = rng.choice(POP)
        for ch in (strings, pad):
            for iv in shape:
                s.events.append((t, 1, bytes([0x90 | ch, root + iv, 70])))
                s.events.append((min(t + length, 30.0), 0, bytes([0x80 | ch, root + iv, 0])))
        t += length
    return s


def beatless_rubato(rng):
    """Piano notes at free (Poisson) times: onsets labelled, no beat."""
    s = Song('gm_rubato_beatless', [], 4, rng)
    piano = s.instrument(PIANO, 100)
    t = LEAD_IN
    while t < 29.0:
        key = rng.randint(48, 84)
        s.events.append((t, 1, bytes([0x90 | piano, key, rng.randint(50, 100)])))
        s.events.append((t + rng.uniform(0.2, 1.2), 0, bytes([0x80 | piano, key, 0])))
        s.onsets.append(t + sound_delay(PIANO, key))
        t += rng.uniform(0.12, 1.4)
    return s


SONGS += [beatless_pad, beatless_rubato]


def main():
    args = sys.argv[1:]
    if not args or args[0] in ('-h', '--help'):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    outdir = args[0]
    only = args[args.index('--only') + 1] if '--only' in args else None
    if not os.path.exists(SOUNDFONT):
        sys.exit('gen_gm_corpus.py: %s not found (apt-get install -y fluidsynth fluid-soundfont-gm)' % SOUNDFONT)
    os.makedirs(outdir, exist_ok=True)
    made = 0
    for make in SONGS:
        song = make(random.Random(zlib.crc32(make.__name__.encode())))
        if only in (None, song.name):
            song.render(outdir)
            made += 1
    if made == 0:
        sys.exit('gen_gm_corpus.py: no clip named %r' % only)
    print('%d clips in %s' % (made, outdir))


if __name__ == '__main__':
    main()
