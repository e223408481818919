#!/usr/bin/env python3
"""Generates the classifier's training corpus (python3 standard library only).

Clips of CLIP_SECONDS mono 48 kHz WAV under OUT/{train,test}/<label>/:
  speech   espeak-ng, several languages, voices, speeds, pitches and word gaps;
           some over noise or quiet music (SNR >= 10 dB)
  music    sox synth chord/melody sequences (pluck, sine, square, saw, triangle,
           trapezium; tempos 70-170 BPM; reverb/chorus/overdrive), drum patterns
           (kick/snare/hat, with and without bass); some with noise (SNR >= 12 dB)
  noise    white/pink/brown, filtered and modulated noise (fan, rain, traffic),
           mains hum with harmonics, crowd-like babble of many voices
  silence  digital zero, dither, quiet room tone and hum below -55 dBFS
Every clip passes through a random "recording chain" (low-pass 6-16 kHz, level)
so the model learns content rather than the generator. Deterministic for a seed.

The held-out split (every fifth clip of each label) is also held out in its
making: its speech uses languages and voices no training clip uses, its music
instruments and drum kits' tunings the training clips do not use, so the
report measures generalisation to unseen sources, not memory of the generator.
"""
import array
import math
import os
import random
import subprocess
import sys
import tempfile
import wave

RATE = 48000
CLIP_SECONDS = 5.0
N = int(RATE * CLIP_SECONDS)

TEXTS = {
    "en-us": ["The quick brown fox jumps over the lazy dog while the band tunes their instruments backstage.",
              "Ladies and gentlemen, please welcome our next speaker, who travelled a long way to be here tonight.",
              "Today we will talk about the weather, the traffic and the latest results from the football league."],
    "en-gb": ["Good evening, and thank you all for coming. Before we begin, a few words about the safety exits.",
              "It was a bright cold day in April, and the clocks were striking thirteen across the quiet town."],
    "de": ["Guten Abend, meine Damen und Herren, herzlich willkommen zu unserer heutigen Veranstaltung im Saal.",
           "Der Zug nach Berlin hat leider zwanzig Minuten Verspätung, wir bitten um Ihr Verständnis."],
    "fr-fr": ["Bonsoir à tous, merci d'être venus si nombreux ce soir pour écouter notre invité spécial.",
              "Le train à destination de Lyon partira du quai numéro trois dans quelques minutes."],
    "es": ["Buenas noches a todos, bienvenidos a este concierto tan especial en el centro de la ciudad.",
           "El próximo autobús saldrá dentro de diez minutos desde la parada principal de la estación."],
    "it": ["Buonasera a tutti e benvenuti, stasera abbiamo un programma ricco di musica e di sorprese.",
           "Il treno regionale per Milano è in arrivo sul binario due, allontanarsi dalla linea gialla."],
    "nl": ["Goedenavond allemaal, welkom bij deze bijzondere avond vol muziek, verhalen en gezelligheid."],
    "pt-br": ["Boa noite a todos, sejam bem-vindos ao nosso evento, que começa em apenas alguns minutos."],
    "pl": ["Dzień dobry państwu, witamy serdecznie na dzisiejszym koncercie w naszej pięknej sali."],
    "sv": ["God kväll allihop och välkomna till kvällens föreställning, vi börjar om några minuter."],
}
VARIANTS = ["", "+m1", "+m2", "+m3", "+m4", "+f1", "+f2", "+klatt"]
HELD_OUT_LANGUAGES = ["nl", "pl", "sv", "pt-br"]
HELD_OUT_VARIANTS = ["+m7", "+f3", "+f4", "+croak"]
NOTE_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
CHORDS = {"maj": [0, 4, 7], "min": [0, 3, 7], "7": [0, 4, 7, 10], "maj7": [0, 4, 7, 11], "sus4": [0, 5, 7],
          "min7": [0, 3, 7, 10]}
INSTRUMENTS = ["pluck", "sine", "square", "sawtooth"]
HELD_OUT_INSTRUMENTS = ["triangle", "trapezium"]


def run(args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def read_wav(path):
    """Mono float samples at RATE (sox converts whatever it is given)."""
    tmp = path + ".f.raw"
    run(["sox", path, "-t", "raw", "-e", "floating-point", "-b", "32", "-c", "1", "-r", str(RATE), tmp])
    data = array.array("f")
    with open(tmp, "rb") as f:
        data.frombytes(f.read())
    os.remove(tmp)
    return data


def write_wav(path, samples):
    pcm = array.array("h", (max(-32767, min(32767, int(s * 32767.0))) for s in samples))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


def fit(samples, n=N):
    """Exactly n samples: trims, or loops the material (never pads with silence)."""
    if len(samples) == 0:
        return array.array("f", bytes(4 * n))
    out = array.array("f")
    while len(out) < n:
        out.extend(samples[: n - len(out)])
    return out


def rms(samples):
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples))) + 1e-12


def scale_to(samples, db):
    g = 10 ** (db / 20) / rms(samples)
    return array.array("f", (s * g for s in samples))


def mix(a, b, snr_db):
    """a plus b, with b scaled to snr_db below a."""
    g = rms(a) / rms(b) * 10 ** (-snr_db / 20)
    return array.array("f", (x + g * y for x, y in zip(a, b)))


def sox_synth(tmp, name, seconds, *effects):
    path = os.path.join(tmp, name)
    run(["sox", "-n", "-r", str(RATE), "-c", "1", path, "synth", f"{seconds:.3f}", *effects])
    return read_wav(path)


def note(midi):
    return f"{NOTE_NAMES[midi % 12]}{midi // 12 - 1}"


# --- generators -----------------------------------------------------------

def languages(rng):
    if rng.held_out:
        return HELD_OUT_LANGUAGES
    return [lang for lang in sorted(TEXTS) if lang not in HELD_OUT_LANGUAGES]


def variants(rng):
    return HELD_OUT_VARIANTS if rng.held_out else VARIANTS


def gen_speech(rng, tmp, i):
    lang = rng.choice(languages(rng))
    text = " ".join(rng.sample(TEXTS[lang], len(TEXTS[lang])) * 2)
    voice = lang + rng.choice(variants(rng))
    path = os.path.join(tmp, f"speech{i}.wav")
    run(["espeak-ng", "-v", voice, "-s", str(rng.randint(120, 230)), "-p", str(rng.randint(20, 80)),
         "-g", str(rng.randint(0, 8)), "-w", path, text])
    s = read_wav(path)
    start = rng.randint(0, max(0, len(s) - N - 1))  # a stretch from inside the utterance
    s = fit(s[start:])
    r = rng.random()
    if r < 0.25:
        s = mix(s, gen_noise_material(rng, tmp, i, allow_babble=False), rng.uniform(8, 25))
    elif r < 0.45:
        s = mix(s, gen_music(rng, tmp, i), rng.uniform(6, 18))  # an announcement over music
    return s


def chord_segment(rng, tmp, name, seconds, root, chord, instrument, octave_spread):
    voices = []
    for k, interval in enumerate(CHORDS[chord]):
        voices += [instrument, note(root + interval + (12 if octave_spread and k == 1 else 0))]
    fade_out = min(seconds * 0.9, rng.uniform(0.05, seconds * 0.8))
    return sox_synth(tmp, name, seconds, *voices, "fade", "q", "0.005", f"{seconds:.3f}", f"{fade_out:.3f}",
                     "gain", "-12")


def gen_tonal(rng, tmp, i):
    bpm = rng.uniform(70, 170)
    beat = 60.0 / bpm
    instrument = rng.choice(HELD_OUT_INSTRUMENTS if rng.held_out else INSTRUMENTS)
    key = rng.randint(45, 62)
    progression = rng.choice([[0, 5, 7, 0], [0, 9, 5, 7], [0, 7, 9, 5], [0, 3, 5, 7], [0, 5, 0, 7]])
    kind = rng.choice(["chords", "arpeggio", "melody", "pad"])
    out = array.array("f")
    step = 0
    while len(out) < N:
        root = key + progression[(step // 4) % len(progression)]
        chord = rng.choice(list(CHORDS))
        if kind == "chords":
            seg = chord_segment(rng, tmp, f"t{i}_{step}.wav", beat * rng.choice([1, 2]), root, chord, instrument, True)
        elif kind == "pad":  # slow sustained chords: little rhythm, all harmony
            seg = chord_segment(rng, tmp, f"t{i}_{step}.wav", beat * rng.choice([3, 4]), root, chord, instrument, True)
        else:
            interval = rng.choice(CHORDS[chord]) + rng.choice([0, 12])
            dur = beat * rng.choice([0.5, 0.5, 1.0] if kind == "arpeggio" else [0.25, 0.5, 1.0, 1.5])
            seg = sox_synth(tmp, f"t{i}_{step}.wav", dur, instrument, note(root + interval), "fade", "q", "0.005",
                            f"{dur:.3f}", f"{dur * rng.uniform(0.1, 0.7):.3f}", "gain", "-8")
        out.extend(seg)
        step += 1
    out = out[:N]
    # Colour: room, chorus or drive, written back through sox.
    colour = rng.choice([[], ["reverb", str(rng.randint(20, 80))], ["chorus", "0.7", "0.9", "55", "0.4", "0.25", "2", "-t"],
                         ["overdrive", str(rng.randint(5, 20))], ["tremolo", str(rng.uniform(3, 7)), "40"]])
    if colour:
        src = os.path.join(tmp, f"tonal{i}.wav")
        dst = os.path.join(tmp, f"tonal{i}c.wav")
        write_wav(src, scale_to(out, -12))
        run(["sox", src, dst, *colour])
        out = fit(read_wav(dst))
    return out


def drum_kit(rng, tmp, i):
    kick = sox_synth(tmp, f"k{i}.wav", 0.35, "sine", f"{rng.uniform(120, 170):.0f}:{rng.uniform(40, 55):.0f}",
                     "fade", "q", "0.002", "0.35", "0.3")
    snare = sox_synth(tmp, f"s{i}.wav", 0.2, "whitenoise", "sine", f"{rng.uniform(170, 230):.0f}", "fade", "q",
                      "0.001", "0.2", "0.19", "highpass", "150", "gain", "-6")
    hat = sox_synth(tmp, f"h{i}.wav", 0.06, "whitenoise", "highpass", f"{rng.uniform(5000, 8000):.0f}", "fade", "q",
                    "0.001", "0.06", "0.055", "gain", "-10")
    return kick, snare, hat


def add_at(out, hit, at, gain):
    for k, v in enumerate(hit):
        if at + k >= len(out):
            break
        out[at + k] += gain * v


def gen_drums(rng, tmp, i):
    kick, snare, hat = drum_kit(rng, tmp, i)
    bpm = rng.uniform(80, 160)
    beat = 60.0 / bpm
    out = array.array("f", bytes(4 * N))
    style = rng.choice(["rock", "four", "break", "half"])
    t = 0.0
    b = 0
    while t < CLIP_SECONDS:
        at = int(t * RATE)
        if style == "four" or (style == "rock" and b % 2 == 0) or (style == "break" and b % 4 in (0, 2)) \
                or (style == "half" and b % 4 == 0):
            add_at(out, kick, at, 0.9)
        if (style in ("rock", "four", "break") and b % 2 == 1) or (style == "half" and b % 4 == 2):
            add_at(out, snare, at, 0.7)
        add_at(out, hat, at, 0.3)
        add_at(out, hat, at + int(beat * RATE / 2), rng.uniform(0.2, 0.45))
        t += beat
        b += 1
    if rng.random() < 0.7:  # a bass line or chords on top
        out = mix(out, gen_tonal(rng, tmp, i), rng.uniform(-6, 6))
    return out


def gen_music(rng, tmp, i):
    s = gen_drums(rng, tmp, i) if rng.random() < 0.45 else gen_tonal(rng, tmp, i)
    r = rng.random()
    if r < 0.2:
        s = mix(s, gen_noise_material(rng, tmp, i + 7919, allow_babble=False), rng.uniform(12, 25))
    elif r < 0.3:  # someone talking quietly under the music
        lang = rng.choice(languages(rng))
        path = os.path.join(tmp, f"under{i}.wav")
        run(["espeak-ng", "-v", lang + rng.choice(variants(rng)), "-w", path, " ".join(TEXTS[lang] * 2)])
        s = mix(s, fit(read_wav(path)), rng.uniform(15, 25))
    return s


def gen_babble(rng, tmp, i):
    voices = rng.randint(6, 10)
    out = array.array("f", bytes(4 * N))
    for v in range(voices):
        lang = rng.choice(languages(rng))
        path = os.path.join(tmp, f"babble{i}_{v}.wav")
        run(["espeak-ng", "-v", lang + rng.choice(variants(rng)), "-s", str(rng.randint(140, 220)), "-p",
             str(rng.randint(20, 80)), "-w", path, " ".join(TEXTS[lang] * 2)])
        s = read_wav(path)
        start = rng.randint(0, max(0, len(s) - N - 1))
        s = scale_to(fit(s[start:]), -20)
        out = array.array("f", (a + b for a, b in zip(out, s)))
    # Room: reverb smears the voices into a crowd.
    src = os.path.join(tmp, f"babble{i}.wav")
    dst = os.path.join(tmp, f"babble{i}r.wav")
    write_wav(src, scale_to(out, -15))
    run(["sox", src, dst, "reverb", "90", "lowpass", "4000"])
    return mix(fit(read_wav(dst)), sox_synth(tmp, f"bp{i}.wav", CLIP_SECONDS, "pinknoise"), rng.uniform(0, 10))


def gen_noise_material(rng, tmp, i, allow_babble=True):
    kinds = ["white", "pink", "brown", "fan", "rain", "traffic", "hum", "whine"]
    kind = rng.choice(kinds + (["babble", "babble"] if allow_babble else []))
    d = CLIP_SECONDS
    if kind == "white":
        return sox_synth(tmp, f"n{i}.wav", d, "whitenoise")
    if kind == "pink":
        return sox_synth(tmp, f"n{i}.wav", d, "pinknoise")
    if kind == "brown":
        return sox_synth(tmp, f"n{i}.wav", d, "brownnoise")
    if kind == "fan":
        return sox_synth(tmp, f"n{i}.wav", d, "brownnoise", "lowpass", f"{rng.uniform(300, 1500):.0f}",
                         "tremolo", f"{rng.uniform(10, 40):.1f}", "10")
    if kind == "rain":
        return sox_synth(tmp, f"n{i}.wav", d, "pinknoise", "highpass", f"{rng.uniform(500, 2000):.0f}",
                         "tremolo", f"{rng.uniform(15, 45):.1f}", "60")
    if kind == "traffic":
        return sox_synth(tmp, f"n{i}.wav", d, "brownnoise", "lowpass", "800", "tremolo",
                         f"{rng.uniform(0.1, 0.4):.2f}", "70")
    if kind == "whine":  # a machine: a steady tone buried in broadband noise
        tone = sox_synth(tmp, f"n{i}.wav", d, "sine", f"{rng.uniform(200, 3000):.0f}")
        return mix(sox_synth(tmp, f"nn{i}.wav", d, rng.choice(["pinknoise", "brownnoise", "whitenoise"])), tone,
                   rng.uniform(6, 15))
    if kind == "hum":
        f0 = rng.choice([50, 60])
        hum = sox_synth(tmp, f"n{i}.wav", d, "sine", str(f0), "sine", str(2 * f0), "sine", str(3 * f0), "square",
                        str(f0), "gain", "-10")
        return mix(hum, sox_synth(tmp, f"nn{i}.wav", d, "pinknoise"), rng.uniform(0, 15))
    return gen_babble(rng, tmp, i)


def gen_noise(rng, tmp, i):
    return gen_noise_material(rng, tmp, i)


def gen_silence(rng, tmp, i):
    kind = rng.choice(["zero", "dither", "room", "hum"])
    if kind == "zero":
        return array.array("f", bytes(4 * N))
    if kind == "dither":
        return scale_to(sox_synth(tmp, f"z{i}.wav", CLIP_SECONDS, "whitenoise"), rng.uniform(-100, -80))
    if kind == "room":
        return scale_to(sox_synth(tmp, f"z{i}.wav", CLIP_SECONDS, "pinknoise", "lowpass", "3000"), rng.uniform(-85, -58))
    return scale_to(sox_synth(tmp, f"z{i}.wav", CLIP_SECONDS, "sine", "50", "sine", "150"), rng.uniform(-85, -60))


GENERATORS = {"silence": gen_silence, "speech": gen_speech, "music": gen_music, "noise": gen_noise}
LEVELS_DB = {"speech": (-40, -10), "music": (-42, -8), "noise": (-42, -10)}


def recording_chain(rng, tmp, name, samples, label):
    """Level and bandwidth of a random source; silence keeps its own (tiny) level."""
    if label != "silence":
        samples = scale_to(samples, rng.uniform(*LEVELS_DB[label]))
    peak = max(1e-9, max(abs(s) for s in samples))
    if peak > 0.99:
        samples = array.array("f", (s * 0.99 / peak for s in samples))
    if label == "silence" or rng.random() < 0.4:
        return samples
    src = os.path.join(tmp, name + ".pre.wav")
    dst = os.path.join(tmp, name + ".post.wav")
    write_wav(src, samples)
    run(["sox", src, dst, "lowpass", f"{rng.uniform(6000, 16000):.0f}"])
    return fit(read_wav(dst))


def main():
    if len(sys.argv) != 4:
        print("usage: make_corpus.py OUT_DIR CLIPS_PER_LABEL SEED", file=sys.stderr)
        return 2
    out_dir, clips, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for label, gen in GENERATORS.items():
        for i in range(clips):
            part = "test" if i % 5 == 4 else "train"
            target = os.path.join(out_dir, part, label, f"{label}{i:03d}.wav")
            if os.path.exists(target):
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            rng = random.Random(f"{seed}/{label}/{i}")
            rng.held_out = part == "test"
            with tempfile.TemporaryDirectory() as tmp:
                samples = recording_chain(rng, tmp, "clip", fit(gen(rng, tmp, i)), label)
                write_wav(target + ".part", samples)
            os.replace(target + ".part", target)
        print(f"corpus: {clips} {label} clips", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
