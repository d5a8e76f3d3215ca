#!/usr/bin/env python3
"""simpy_twin.py -- a SimPy model of bench/single_turn.json, for speed
comparison with edgesim (bench/bench.sh).  Not a test and not a reference for
edgesim's numbers: the structure and the costs per query are the same
(router delay, a random route, batch-1 FCFS servers with the closed-form
service T_pre(n) + (o-1) T_step, uplink and downlink shared by processor
sharing at a Shannon rate with Rayleigh block fading drawn lazily per
transfer), the radio details are simplified.

usage: simpy_twin.py TRACE.csv [DEVICES]
prints: queries=N wall_s=W mean_latency_s=L
"""
import csv
import math
import random
import sys
import time

import simpy

# The coefficients of bench/single_turn.json (seconds).
SMALL_PRE = (0.02, 0.00075)
SMALL_STEP = 0.043
LARGE_PRE = (0.01, 0.00003)
LARGE_STEP = 0.012
ROUTER_S = 0.015
ACCESS_S = 0.005
BANDWIDTH_HZ = 5e6
BLOCK_S = 0.01
BYTES_PER_TOKEN = 4
HEADER_BYTES = 200


def service_s(pre, step, n_in, n_out):
    """Batch-1 service in closed form: T_pre(n) + (o - 1) T_step."""
    return pre[0] + pre[1] * n_in + (n_out - 1) * step


class SharedLink:
    """Processor sharing: n transfers on air each get rate/n of their own
    rate; one process wakes at the next completion or when a transfer joins."""

    def __init__(self, env):
        self.env = env
        self.active = {}  # event -> [bits left, rate bps]
        self.last = 0.0
        self.wake = env.event()
        env.process(self.run())

    def transfer(self, bits, rate_bps):
        done = self.env.event()
        self.settle()
        self.active[done] = [bits, rate_bps]
        if not self.wake.triggered:
            self.wake.succeed()
        return done

    def settle(self):
        now = self.env.now
        dt = now - self.last
        if dt > 0 and self.active:
            n = len(self.active)
            for st in self.active.values():
                st[0] -= st[1] / n * dt
        self.last = now

    def run(self):
        env = self.env
        while True:
            if not self.active:
                yield self.wake
                self.wake = env.event()
                continue
            n = len(self.active)
            first, st = min(self.active.items(), key=lambda kv: kv[1][0] / kv[1][1])
            delay = max(st[0] / (st[1] / n), 0.0)
            yield env.timeout(delay) | self.wake
            if self.wake.triggered:
                self.wake = env.event()
            self.settle()
            for ev, s in list(self.active.items()):
                if s[0] <= s[1] / n * 1e-9:  # under 1 ns of transfer left
                    del self.active[ev]
                    ev.succeed()


def main():
    path = sys.argv[1]
    devices = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    rng = random.Random(1)
    env = simpy.Environment()
    dev_servers = [simpy.Resource(env, capacity=1) for _ in range(devices)]
    edge = simpy.Resource(env, capacity=1)
    uplink, downlink = SharedLink(env), SharedLink(env)
    # Mean SNR per device: area-uniform in 10..500 m, 128.1 + 37.6 log10(d km)
    # path loss, 23 dBm (uplink) / 43 dBm (downlink) over 5 MHz noise.
    noise_dbm = -174 + 10 * math.log10(BANDWIDTH_HZ) + 9
    snr_up, snr_down = [], []
    for _ in range(devices):
        d_km = math.sqrt(0.01 ** 2 + rng.random() * (0.5 ** 2 - 0.01 ** 2))
        loss = 128.1 + 37.6 * math.log10(d_km)
        snr_up.append(10 ** ((23 - loss - noise_dbm) / 10))
        snr_down.append(10 ** ((43 - loss - noise_dbm) / 10))
    gains = {}  # (device, link, block) -> |h|^2, drawn when first read

    def gain(dev, link, t):
        key = (dev, link, int(t / BLOCK_S))
        g = gains.get(key)
        if g is None:
            g = gains[key] = rng.expovariate(1.0)
        return g

    latencies = []

    def query(t_arr, dev, n_in, n_out):
        yield env.timeout(max(t_arr - env.now, 0) + ROUTER_S)
        if rng.random() >= 0.5:
            with dev_servers[dev].request() as req:
                yield req
                yield env.timeout(service_s(SMALL_PRE, SMALL_STEP, n_in, n_out))
        else:
            yield env.timeout(ACCESS_S)
            rate = BANDWIDTH_HZ * math.log2(1 + snr_up[dev] * gain(dev, 0, env.now))
            yield uplink.transfer(8 * (HEADER_BYTES + BYTES_PER_TOKEN * n_in), max(rate, 1.0))
            with edge.request() as req:
                yield req
                yield env.timeout(service_s(LARGE_PRE, LARGE_STEP, n_in, n_out))
            yield env.timeout(ACCESS_S)
            rate = BANDWIDTH_HZ * math.log2(1 + snr_down[dev] * gain(dev, 1, env.now))
            yield downlink.transfer(8 * BYTES_PER_TOKEN * n_out, max(rate, 1.0))
        latencies.append(env.now - t_arr)

    def source(rows):
        for t_arr, n_in, n_out in rows:
            if t_arr > env.now:
                yield env.timeout(t_arr - env.now)
            env.process(query(t_arr, rng.randrange(devices), n_in, n_out))

    t0 = time.perf_counter()
    with open(path, newline="") as f:
        rows = [(float(r["t_arr_s"]), int(r["in_tokens"]), int(r["out_tokens"])) for r in csv.DictReader(f)]
    env.process(source(rows))
    env.run()
    wall = time.perf_counter() - t0
    print("queries=%d wall_s=%.3f mean_latency_s=%.4f" % (len(latencies), wall, sum(latencies) / len(latencies)))


if __name__ == "__main__":
    main()
