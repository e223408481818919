#!/usr/bin/env python3
"""Score luminad's analysis against the labelled corpus, side by side with aubio.

For every CLIP.wav in CORPUS (made by gen_corpus.py) this runs, in the same
run and on the same file:
  luminad analyze CLIP.wav --json
  aubioonset -i CLIP.wav          (aubio defaults: hfc, 512/256)
  aubiotrack -i CLIP.wav          (aubio defaults)
  aubio tempo CLIP.wav            (one global BPM)
and prints per-clip and overall figures:
  onset F   F-measure of onsets, ±50 ms, one-to-one matching
  beat F    F-measure of beats, ±70 ms, over the whole clip (no warm-up excluded)
  tempo     median |BPM error| in % while the true tempo has been steady for
            4 s, from the first correct beat on (luminad: the frames' bpm;
            aubio: `aubio tempo`'s global value, constant-tempo clips only);
            "within ±0.5 %" is the share of those luminad frames within 0.5 %,
            also given for the frames at the right metrical level (< 4 %
            error, i.e. no octave or 3:2 error)
  1st beat  seconds from the first true beat to the first estimated beat
            that starts a run of 4 correct beats
  delay     causal detection delay of matched onsets: when the detection is
            available minus the true onset. luminad: the time of the frame
            that reports the onset. aubio: its reported time plus the
            4.3 hops (22.9 ms at 48 kHz) it subtracts from detection times
            (aubio's onset.c), i.e. its streaming detection instant to
            within one hop.
Usage: score.py LUMINAD CORPUS [WORKDIR]
"""
import bisect
import json
import math
import os
import statistics
import subprocess
import sys
import time

ONSET_TOL = 0.050
BEAT_TOL = 0.070
AUBIO_HOP = 256
AUBIO_DELAY_HOPS = 4.3


def read_times(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return [float(line.split()[0]) for line in f if line.strip()]


def match(est, ref, tol):
    """One-to-one matching of closest pairs within tol. Returns [(e, r)]."""
    pairs = []
    for i, r in enumerate(ref):
        lo = bisect.bisect_left(est, r - tol)
        hi = bisect.bisect_right(est, r + tol)
        for j in range(lo, hi):
            pairs.append((abs(est[j] - r), j, i))
    pairs.sort()
    used_e, used_r, out = set(), set(), []
    for _, j, i in pairs:
        if j in used_e or i in used_r:
            continue
        used_e.add(j)
        used_r.add(i)
        out.append((j, i))
    return out


def f_measure(est, ref, tol):
    if not ref:
        return None
    if not est:
        return 0.0
    m = len(match(est, ref, tol))
    p, r = m / len(est), m / len(ref)
    return 0.0 if m == 0 else 2 * p * r / (p + r)


def first_correct_beat(est, ref, run=4):
    """Seconds from ref[0] to the first estimate that starts `run` consecutive correct beats."""
    if not ref or not est:
        return None
    correct = []
    for e in est:
        k = bisect.bisect_left(ref, e)
        near = [abs(ref[x] - e) for x in (k - 1, k) if 0 <= x < len(ref)]
        correct.append(bool(near) and min(near) <= BEAT_TOL)
    for i in range(len(est) - run + 1):
        if all(correct[i:i + run]):
            return est[i] - ref[0]
    return None


def true_bpm_at(beats, t):
    k = bisect.bisect_right(beats, t) - 1
    if k < 0 or k + 1 >= len(beats):
        return None
    return 60.0 / (beats[k + 1] - beats[k])


def steady(beats, t, span=4.0):
    now, before = true_bpm_at(beats, t), true_bpm_at(beats, t - span)
    return now is not None and before is not None and abs(now - before) / now < 0.005


def run(cmd, timeout=300):
    started = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError('%s failed (%d): %s' % (' '.join(cmd), p.returncode, p.stderr.strip()[:400]))
    return p.stdout, time.monotonic() - started


def luminad(binary, wav):
    out, seconds = run([binary, 'analyze', wav, '--json'])
    res = {'onsets': [], 'onset_frames': [], 'beats': [], 'frames': [], 'seconds': seconds}
    for line in out.splitlines():
        o = json.loads(line)
        if o['type'] == 'onset':
            res['onsets'].append(o['time'])
            res['onset_frames'].append(o['frameTime'])
        elif o['type'] == 'beat':
            res['beats'].append(o['time'])
        elif o['type'] == 'frame':
            res['frames'].append((o['time'], o['bpm'], o['bpmConfidence']))
    return res


def aubio(wav):
    res = {}
    out, s1 = run(['aubioonset', '-i', wav])
    res['onsets'] = sorted(float(x) for x in out.split())
    out, s2 = run(['aubiotrack', '-i', wav])
    res['beats'] = sorted(float(x) for x in out.split())
    out, s3 = run(['aubio', 'tempo', wav])
    words = out.split()
    res['tempo'] = float(words[0]) if words else 0.0
    res['seconds'] = s1 + s2 + s3
    return res


def fmt(v, spec='%.2f', none='—'):
    return none if v is None else spec % v


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    binary, corpus = sys.argv[1], sys.argv[2]
    names = sorted(f[:-4] for f in os.listdir(corpus) if f.endswith('.wav'))
    rows, delays_l, delays_a = [], [], []
    tempo_errors_l, tempo_within, tempo_errors_a = [], [], []
    beatless = []
    cost_l = cost_a = 0.0
    for name in names:
        wav = os.path.join(corpus, name + '.wav')
        ref_onsets = read_times(os.path.join(corpus, name + '.onsets')) or []
        ref_beats = read_times(os.path.join(corpus, name + '.beats'))
        with open(os.path.join(corpus, name + '.json')) as f:
            meta = json.load(f)
        lum, aub = luminad(binary, wav), aubio(wav)
        cost_l += lum['seconds']
        cost_a += aub['seconds']

        row = {'name': name}
        row['onsetF'] = (f_measure(lum['onsets'], ref_onsets, ONSET_TOL), f_measure(aub['onsets'], ref_onsets, ONSET_TOL))
        for j, i in match(lum['onsets'], ref_onsets, ONSET_TOL):
            delays_l.append(lum['onset_frames'][j] - ref_onsets[i])
        for j, i in match(aub['onsets'], ref_onsets, ONSET_TOL):
            delays_a.append(aub['onsets'][j] + AUBIO_DELAY_HOPS * AUBIO_HOP / 48000.0 - ref_onsets[i])
        if ref_beats is None:
            row['beatsPerMin'] = (60.0 * len(lum['beats']) / meta['duration'], 60.0 * len(aub['beats']) / meta['duration'])
            beatless.append(row)
            continue
        row['beatF'] = (f_measure(lum['beats'], ref_beats, BEAT_TOL), f_measure(aub['beats'], ref_beats, BEAT_TOL))
        first_l = first_correct_beat(lum['beats'], ref_beats)
        row['first'] = (first_l, first_correct_beat(aub['beats'], ref_beats))
        errs = []
        if first_l is not None:
            lock = ref_beats[0] + first_l
            for t, bpm, _ in lum['frames']:
                if t >= lock and steady(ref_beats, t):
                    truth = true_bpm_at(ref_beats, t)
                    errs.append(abs(bpm - truth) / truth * 100.0)
        row['tempoL'] = statistics.median(errs) if errs else None
        row['within'] = 100.0 * sum(e <= 0.5 for e in errs) / len(errs) if errs else None
        tempo_errors_l.extend(errs)
        tempo_within.extend(e <= 0.5 for e in errs)
        segs = meta['segments']
        if len(segs) == 1 and segs[0]['bpmStart'] == segs[0]['bpmEnd']:
            truth = segs[0]['bpmStart']
            row['tempoA'] = abs(aub['tempo'] - truth) / truth * 100.0
            tempo_errors_a.append(row['tempoA'])
        else:
            row['tempoA'] = None
        rows.append(row)

    print('\n%-18s %15s %15s %17s %15s' % ('clip', 'onset F', 'beat F', 'tempo err %', '1st beat s'))
    print('%-18s %15s %15s %17s %15s' % ('', 'luminad aubio', 'luminad aubio', 'luminad aubio', 'luminad aubio'))
    for r in rows:
        print('%-18s %7s %7s %7s %7s %8s %8s %7s %7s' % (
            r['name'], fmt(r['onsetF'][0]), fmt(r['onsetF'][1]), fmt(r['beatF'][0]), fmt(r['beatF'][1]),
            fmt(r['tempoL'], '%.2f'), fmt(r['tempoA'], '%.2f'), fmt(r['first'][0], '%.2f', 'never'),
            fmt(r['first'][1], '%.2f', 'never')))
    print('\nbeatless clips: onset F and beats per minute emitted (fewer is better)')
    for r in beatless:
        print('%-18s %7s %7s   beats/min %6.1f %6.1f' % (r['name'], fmt(r['onsetF'][0]), fmt(r['onsetF'][1]),
                                                        r['beatsPerMin'][0], r['beatsPerMin'][1]))

    def mean(vals):
        vals = [v for v in vals if v is not None]
        return sum(vals) / len(vals) if vals else None

    def pct(vals, q):
        if not vals:
            return None
        s = sorted(vals)
        return s[min(len(s) - 1, int(q * len(s)))]

    onset_rows = rows + [r for r in beatless if r['onsetF'][0] is not None]
    firsts_l = [r['first'][0] for r in rows]
    firsts_a = [r['first'][1] for r in rows]
    print('\nsummary over %d beat clips (+%d beatless)' % (len(rows), len(beatless)))
    print('  onset F mean            luminad %.3f   aubio %.3f' % (mean(r['onsetF'][0] for r in onset_rows),
                                                              mean(r['onsetF'][1] for r in onset_rows)))
    print('  beat F mean             luminad %.3f   aubio %.3f' % (mean(r['beatF'][0] for r in rows),
                                                              mean(r['beatF'][1] for r in rows)))
    right_level = [e for e in tempo_errors_l if e < 4.0]  # frames at the right metrical level
    print('  tempo err median        luminad %s %%  (%s %% of steady frames within ±0.5 %%)   aubio tempo %s %%' % (
        fmt(pct(tempo_errors_l, 0.5), '%.3f'), fmt(100.0 * sum(tempo_within) / len(tempo_within) if tempo_within else None, '%.1f'),
        fmt(pct(tempo_errors_a, 0.5), '%.3f')))
    print('  tempo at the right level luminad %s %% of steady frames; of those %s %% within ±0.5 %%, p90 error %s %%' % (
        fmt(100.0 * len(right_level) / len(tempo_errors_l) if tempo_errors_l else None, '%.1f'),
        fmt(100.0 * sum(e <= 0.5 for e in right_level) / len(right_level) if right_level else None, '%.1f'),
        fmt(pct(right_level, 0.9), '%.2f')))
    def median_first(firsts):
        # Clips that never lock count as infinitely late; "never" if that is the median.
        m = pct([f if f is not None else math.inf for f in firsts], 0.5)
        return 'never' if m is not None and math.isinf(m) else fmt(m) + ' s'

    print('  first correct beat      luminad median %s, ≤ 2 s in %d/%d clips   aubio median %s, ≤ 2 s in %d/%d' % (
        median_first(firsts_l), sum(f is not None and f <= 2.0 for f in firsts_l),
        len(rows), median_first(firsts_a),
        sum(f is not None and f <= 2.0 for f in firsts_a), len(rows)))
    print('  onset delay (ms)        luminad p50 %s p90 %s   aubio p50 %s p90 %s' % (
        fmt(1000 * pct(delays_l, 0.5), '%.1f'), fmt(1000 * pct(delays_l, 0.9), '%.1f'),
        fmt(1000 * pct(delays_a, 0.5), '%.1f'), fmt(1000 * pct(delays_a, 0.9), '%.1f')))
    print('  beats/min on beatless   luminad %s   aubio %s' % (
        ', '.join('%.1f' % r['beatsPerMin'][0] for r in beatless), ', '.join('%.1f' % r['beatsPerMin'][1] for r in beatless)))
    print('  wall time               luminad %.1f s   aubio (3 tools) %.1f s' % (cost_l, cost_a))


if __name__ == '__main__':
    main()
