"""Bessel functions of the first and second kind, J0, J1, Y0, Y1, the spherical j0, and the Airy function
Ai, in float64 by the approximations of the Cephes library (S. L. Moshier), as PyTorch computes them:
for J and Y a rational function near 0 and the Hankel asymptotic form (two rational functions of 25/x^2)
beyond 5, absolute errors near 1e-16; for Ai the Maclaurin series for |x| < 2.09 and rational asymptotic
forms beyond. PyTorch gives these functions no gradient."""
from __future__ import annotations

import math

import numpy as np

from .special_common import non_differentiable, ratio

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_TWO_OVER_PI = 2.0 / math.pi

# the Hankel expansion's modulus (P) and phase (Q) parts, shared by J0/Y0, and by J1/Y1
_PP0 = (7.96936729297347051624E-4, 8.28352392107440799803E-2, 1.23953371646414299388E0, 5.44725003058768775090E0,
        8.74716500199817011941E0, 5.30324038235394892183E0, 9.99999999999999997821E-1)
_PQ0 = (9.24408810558863637013E-4, 8.56288474354474431428E-2, 1.25352743901058953537E0, 5.47097740330417105182E0,
        8.76190883237069594232E0, 5.30605288235394617618E0, 1.00000000000000000218E0)
_QP0 = (-1.13663838898469149931E-2, -1.28252718670509318512E0, -1.95539544257735972385E1, -9.32060152123768231369E1,
        -1.77681167980488050595E2, -1.47077505154951170175E2, -5.14105326766599330220E1, -6.05014350600728481186E0)
_QQ0 = (1.0, 6.43178256118178023184E1, 8.56430025976980587198E2, 3.88240183605401609683E3, 7.24046774195652478189E3,
        5.93072701187316984827E3, 2.06209331660327847417E3, 2.42005740240291393179E2)
_PP1 = (7.62125616208173112003E-4, 7.31397056940917570436E-2, 1.12719608129684925192E0, 5.11207951146807644818E0,
        8.42404590141772420927E0, 5.21451598682361504063E0, 1.00000000000000000254E0)
_PQ1 = (5.71323128072548699714E-4, 6.88455908754495404082E-2, 1.10514232634061696926E0, 5.07386386128601488557E0,
        8.39985554327604159757E0, 5.20982848682361821619E0, 9.99999999999999997461E-1)
_QP1 = (5.10862594750176621635E-2, 4.98213872951233449420E0, 7.58238284132545283818E1, 3.66779609360150777800E2,
        7.10856304998926107277E2, 5.97489612400613639965E2, 2.11688757100572135698E2, 2.52070205858023719784E1)
_QQ1 = (1.0, 7.42373277035675149943E1, 1.05644886038262816351E3, 4.98641058337653607651E3, 9.56231892404756170795E3,
        7.99704160447350683650E3, 2.82619278517639096600E3, 3.36093607810698293419E2)
# J0 on [0, 5]: (z - r1)(z - r2) RP(z) / RQ(z), z = x^2, r1 and r2 the first two zeros squared
_J0_R1, _J0_R2 = 5.78318596294678452118E0, 3.04712623436620863991E1
_J0_RP = (-4.79443220978201773821E9, 1.95617491946556577543E12, -2.49248344360967716204E14, 9.70862251047306323952E15)
_J0_RQ = (1.0, 4.99563147152651017219E2, 1.73785401676374683123E5, 4.84409658339962045305E7, 1.11855537045356834862E10,
          2.11277520115489217587E12, 3.10518229857422583814E14, 3.18121955943204943306E16, 1.71086294081043136091E18)
# Y0 on (0, 5]: YP(z) / YQ(z) + 2/pi log(x) J0(x)
_Y0_YP = (1.55924367855235737965E4, -1.46639295903971606143E7, 5.43526477051876500413E9, -9.82136065717911466409E11,
          8.75906394395366999549E13, -3.46628303384729719441E15, 4.42733268572569800351E16, -1.84950800436986690637E16)
_Y0_YQ = (1.0, 1.04128353664259848412E3, 6.26107330137134956842E5, 2.68919633393814121987E8, 8.64002487103935000337E10,
          2.02979612750105546709E13, 3.17157752842975028269E15, 2.50596256172653059228E17)
# J1 on [0, 5]: x (z - z1)(z - z2) RP(z) / RQ(z)
_J1_Z1, _J1_Z2 = 1.46819706421238932572E1, 4.92184563216946036703E1
_J1_RP = (-8.99971225705559398224E8, 4.52228297998194034323E11, -7.27494245221818276015E13, 3.68295732863852883286E15)
_J1_RQ = (1.0, 6.20836478118054335476E2, 2.56987256757748830383E5, 8.35146791431949253037E7, 2.21511595479792499675E10,
          4.74914122079991414898E12, 7.84369607876235854894E14, 8.95222336184627338078E16, 5.32278620332680085395E18)
# Y1 on (0, 5]: x YP(z) / YQ(z) + 2/pi (J1(x) log(x) - 1/x)
_Y1_YP = (1.26320474790178026440E9, -6.47355876379160291031E11, 1.14509511541823727583E14, -8.12770255501325109621E15,
          2.02439475713594898196E17, -7.78877196265950026825E17)
_Y1_YQ = (1.0, 5.94301592346128195359E2, 2.35564092943068577943E5, 7.34811944459721705660E7, 1.87601316108706159478E10,
          3.88231277496238566008E12, 6.20557727146953693363E14, 6.87141087355300489866E16, 3.97270608116560655612E18)

# Ai(x) for x >= 2.09: sqrt(1/pi) AN(1/zeta) / AD(1/zeta) e^-zeta / (2 x^(1/4)), zeta = 2/3 x^(3/2)
_AIRY_AN = (3.46538101525629032477E-1, 1.20075952739645805542E1, 7.62796053615234516538E1, 1.68089224934630576269E2,
            1.59756391350164413639E2, 7.05360906840444183113E1, 1.40264691163389668864E1, 9.99999999999999995305E-1)
_AIRY_AD = (5.67594532638770212846E-1, 1.47562562584847203173E1, 8.45138970141474626562E1, 1.77318088145400459522E2,
            1.64234692871529701831E2, 7.14778400825575695274E1, 1.40959135607834029598E1, 1.00000000000000000470E0)
# Ai(x) for x <= -2.09: sqrt(1/pi) / (-x)^(1/4) (sin(theta) uf - cos(theta) ug), theta = zeta + pi/4
_AIRY_AFN = (-1.31696323418331795333E-1, -6.26456544431912369773E-1, -6.93158036036933542233E-1,
             -2.79779981545119124951E-1, -4.91900132609500318020E-2, -4.06265923594885404393E-3,
             -1.59276496239262096340E-4, -2.77649108155232920844E-6, -1.67787698489114633780E-8)
_AIRY_AFD = (1.0, 1.33560420706553243746E1, 3.26825032795224613948E1, 2.67367040941499554804E1,
             9.18707402907259625840E0, 1.47529146771666414581E0, 1.15687173795188044134E-1,
             4.40291641615211203805E-3, 7.54720348287414296618E-5, 4.51850092970580378464E-7)
_AIRY_AGN = (1.97339932091685679179E-2, 3.91103029615688277255E-1, 1.06579897599595591108E0, 9.39169229816650230044E-1,
             3.51465656105547619242E-1, 6.33888919628925490927E-2, 5.85804113048388458567E-3, 2.82851600836737019778E-4,
             6.98793669997260967291E-6, 8.11789239554389293311E-8, 3.41551784765923618484E-10)
_AIRY_AGD = (1.0, 9.30892908077441974853E0, 1.98352928718312140417E1, 1.55646628932864612953E1,
             5.47686069422975497931E0, 9.54293611618961883998E-1, 8.64580826352392193095E-2,
             4.12656523824222607191E-3, 1.01259085116509135510E-4, 1.17166733214413521882E-6,
             4.91834570062930015649E-9)
_AIRY_C1, _AIRY_C2 = 0.35502805388781723926, 0.258819403792806798405  # Ai(0), -Ai'(0)
_AIRY_SPLIT = 2.09  # cbrt(9)
_AIRY_MAX = 103.892  # beyond, Ai underflows: PyTorch returns 0
_SQRT_1_OVER_PI = 1.0 / math.sqrt(math.pi)


def _hankel(a, order: int):
    """(modulus part, phase part, phase) of the asymptotic form for a >= 5:
    J = sqrt(2/(pi a)) (p cos(phase) - (5/a) q sin(phase)), Y = sqrt(2/(pi a)) (p sin(phase) + (5/a) q cos(phase))."""
    z = 25.0 / (a * a)
    p = ratio(_PP0, _PQ0, z) if order == 0 else ratio(_PP1, _PQ1, z)
    q = ratio(_QP0, _QQ0, z) if order == 0 else ratio(_QP1, _QQ1, z)
    return p, 5.0 / a * q, a - (0.25 if order == 0 else 0.75) * math.pi


def _j_large(a, order: int):
    p, q, phase = _hankel(a, order)
    return (p * np.cos(phase) - q * np.sin(phase)) * _SQRT_2_OVER_PI / np.sqrt(a)


def _y_large(a, order: int):
    p, q, phase = _hankel(a, order)
    return (p * np.sin(phase) + q * np.cos(phase)) * _SQRT_2_OVER_PI / np.sqrt(a)


def _j0_small(s):
    z = s * s
    return (z - _J0_R1) * (z - _J0_R2) * ratio(_J0_RP, _J0_RQ, z)


def _j1_small(s):
    z = s * s
    return ratio(_J1_RP, _J1_RQ, z) * s * (z - _J1_Z1) * (z - _J1_Z2)


def j0_64(x):
    a = np.abs(x)
    return np.where(a <= 5.0, _j0_small(np.minimum(a, 5.0)), _j_large(np.maximum(a, 5.0), 0))


def j1_64(x):
    a = np.abs(x)
    r = np.where(a <= 5.0, _j1_small(np.minimum(a, 5.0)), _j_large(np.maximum(a, 5.0), 1))
    return np.where(np.signbit(x), -r, r)  # odd, -0 at -0


def _y_domain(x, r):
    """Y is -inf at 0 and nan for negative arguments."""
    return np.where(x == 0, -np.inf, np.where(x < 0, np.nan, r))


def y0_64(x):
    s = np.clip(x, np.finfo(np.float64).tiny, 5.0)
    small = ratio(_Y0_YP, _Y0_YQ, s * s) + _TWO_OVER_PI * np.log(s) * _j0_small(s)
    return _y_domain(x, np.where(x <= 5.0, small, _y_large(np.maximum(x, 5.0), 0)))


def y1_64(x):
    s = np.clip(x, np.finfo(np.float64).tiny, 5.0)
    small = s * ratio(_Y1_YP, _Y1_YQ, s * s) + _TWO_OVER_PI * (_j1_small(s) * np.log(s) - 1.0 / s)
    return _y_domain(x, np.where(x <= 5.0, small, _y_large(np.maximum(x, 5.0), 1)))


def spherical_j0_64(x):
    """sin(x) / x; its Taylor series below 0.5 (no cancellation), 0 at +-inf."""
    z = x * x
    series = 1.0 - z / 6.0 * (1.0 - z / 20.0 * (1.0 - z / 42.0 * (1.0 - z / 72.0 * (
        1.0 - z / 110.0 * (1.0 - z / 156.0)))))
    r = np.where(np.abs(x) < 0.5, series, np.sin(x) / np.where(x == 0, 1.0, x))
    return np.where(np.isinf(x), 0.0, r)


def _airy_series(x):
    """Ai by its Maclaurin series c1 f(x) - c2 g(x), f = 1 + x^3/3! + 1*4 x^6/6! + ..., g = x + 2 x^4/4! + ..."""
    z = x * x * x
    f, g = np.ones_like(x), x.copy()
    uf, ug = np.ones_like(x), x.copy()
    k = 1.0
    for _ in range(60):  # NOTE: |x| < 2.09 converges to rounding within about 15 terms
        uf = uf * z / ((k + 1.0) * (k + 2.0))
        ug = ug * z / ((k + 2.0) * (k + 3.0))
        k += 3.0
        f += uf
        g += ug
        if np.all(np.abs(uf) <= np.abs(f) * np.finfo(np.float64).eps):
            break
    return _AIRY_C1 * f - _AIRY_C2 * g


def airy_ai64(x):
    near = _airy_series(np.clip(x, -_AIRY_SPLIT, _AIRY_SPLIT))
    a = np.maximum(x, _AIRY_SPLIT)
    t = np.sqrt(a)
    zeta = 2.0 * a * t / 3.0
    # NOTE: e^-zeta in place of Cephes' division by e^zeta, which overflows first
    right = _SQRT_1_OVER_PI * ratio(_AIRY_AN, _AIRY_AD, 1.0 / zeta) * np.exp(-zeta) / (2.0 * np.sqrt(t))
    b = -np.minimum(x, -_AIRY_SPLIT)
    t = np.sqrt(b)
    zeta = 2.0 * b * t / 3.0
    z = 1.0 / zeta
    zz = z * z
    uf = 1.0 + zz * ratio(_AIRY_AFN, _AIRY_AFD, zz)
    ug = z * ratio(_AIRY_AGN, _AIRY_AGD, zz)
    theta = zeta + 0.25 * math.pi
    left = _SQRT_1_OVER_PI / np.sqrt(t) * (np.sin(theta) * uf - np.cos(theta) * ug)
    r = np.where(x < -_AIRY_SPLIT, left, np.where(x >= _AIRY_SPLIT, right, near))
    return np.where(np.isinf(x), np.nan, np.where(x > _AIRY_MAX, 0.0, r))


airy_ai = non_differentiable("airy_ai", airy_ai64)
bessel_j0 = non_differentiable("bessel_j0", j0_64)
bessel_j1 = non_differentiable("bessel_j1", j1_64)
bessel_y0 = non_differentiable("bessel_y0", y0_64)
bessel_y1 = non_differentiable("bessel_y1", y1_64)
spherical_bessel_j0 = non_differentiable("spherical_bessel_j0", spherical_j0_64)

TENSOR_METHODS: dict = {}
__all__: list = []  # torch.special only: flambeau/special/__init__.py exports them
