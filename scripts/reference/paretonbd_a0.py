#!/usr/bin/env python3
"""Reference values of the Pareto/NBD likelihood term A0 (Fader & Hardie note 009, eq. 19-20).

    A0 = (r+s+x) * integral from t_x to T of (alpha+tau)^-(r+x) * (beta+tau)^-(s+1) dtau

computed by mpmath on a grid that includes the hard region of the hypergeometric form (s and
beta in the thousands and millions along the ridge s/beta = const, where A0 is the difference of
two nearly equal 2F1 terms with r+s+x in the thousands and z near 1). The closed form (eqs.
19-20) is evaluated with 80 significant digits, so the cancellation costs nothing; it is checked
against mpmath's quadrature of the integral (a positive integrand, split into 16 pieces after the
substitution u = ln(min(alpha, beta) + tau)) and a point where the two differ by more than
1e-11 relative stops the script (the quadrature is the less accurate of the two).

Writes CSV `r,alpha,s,beta,x,t_x,T,ln_a0` to stdout. Used by the engine's unit test
`clv::paretonbd::tests::a0_matches_mpmath_on_a_grid`:

    python3 scripts/reference/paretonbd_a0.py > crates/patron-engine/src/clv/paretonbd_a0.csv
"""
import itertools
import sys

import mpmath as mp

mp.mp.dps = 80

R = ["0.1", "0.55", "3"]
ALPHA = ["0.5", "10.6", "200"]
S = ["0.05", "0.6", "5", "300", "10000"]
# beta = s / (mean dropout rate): short, medium and long mean lifetimes at every s.
RATE = ["0.5", "0.05", "0.002"]
ROWS = [
    ("0", "0", "38"),
    ("1", "2", "38"),
    ("5", "30", "38"),
    ("26", "30.86", "31"),
    ("60", "39", "39.5"),
    ("2", "0.5", "80"),
]


def ln_a0_closed(r, alpha, s, beta, x, t_x, t):
    rsx = r + s + x
    big, small, second = (alpha, beta, s + 1) if alpha >= beta else (beta, alpha, r + x)

    def f(y):
        return mp.hyp2f1(rsx, second, rsx + 1, (big - small) / (big + y)) / (big + y) ** rsx

    return mp.log(f(t_x) - f(t))


def ln_a0_integral(r, alpha, s, beta, x, t_x, t):
    a, b = r + x, s + 1
    m = min(alpha, beta)

    def f(u):
        tau = mp.e ** u - m
        return mp.e ** u * (alpha + tau) ** (-a) * (beta + tau) ** (-b)

    pieces = mp.linspace(mp.log(m + t_x), mp.log(m + t), 17)
    return mp.log(r + s + x) + mp.log(mp.quad(f, pieces))


def main():
    print("r,alpha,s,beta,x,t_x,T,ln_a0")
    for r, alpha, s, rate, (x, t_x, t) in itertools.product(R, ALPHA, S, RATE, ROWS):
        beta = mp.nstr(mp.mpf(s) / mp.mpf(rate), 15)
        args = [mp.mpf(v) for v in (r, alpha, s, beta, x, t_x, t)]
        closed = ln_a0_closed(*args)
        integral = ln_a0_integral(*args)
        if abs(closed - integral) > mp.mpf("1e-11") * max(1, abs(closed)):
            sys.exit(f"{r},{alpha},{s},{beta},{x},{t_x},{t}: {closed} vs {integral}")
        print(f"{r},{alpha},{s},{beta},{x},{t_x},{t},{mp.nstr(closed, 20)}")


if __name__ == "__main__":
    main()
