"""The modified Bessel functions I0, I1 (plain and exponentially scaled) and K0, K1 (plain and scaled),
in float64 by the Chebyshev expansions of the Cephes library (S. L. Moshier), which PyTorch uses too:
relative errors near 1e-15.

i0e and i1e carry gradients (i0e' = i1e - sgn(x) i0e, i1e' = i0e - i1e (sgn(x) + 1/x)); the
modified_bessel_* functions have none in PyTorch, so none here.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from .._dispatch import Primitive
from .elementwise import where
from .elementwise_math import sign
from .math_extra import I0, I1
from .special_common import chebyshev, in_float64, non_differentiable, unary

# exp(-x) I0(x) on [0, 8] in y = x/2 - 2, and exp(-x) sqrt(x) I0(x) on [8, inf) in y = 32/x - 2
_I0_SMALL = (-4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,
             1.71539128555513303061E-15, -1.16853328779934516808E-14, 7.67618549860493561688E-14,
             -4.85644678311192946090E-13, 2.95505266312963983461E-12, -1.72682629144155570723E-11,
             9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,
             -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7,
             1.11738753912010371815E-6, -4.41673835845875056359E-6, 1.64484480707288970893E-5,
             -5.75419501008210370398E-5, 1.88502885095841655729E-4, -5.76375574538582365885E-4,
             1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,
             -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2,
             1.71620901522208775349E-1, -3.04682672343198398683E-1, 6.76795274409476084995E-1)
_I0_LARGE = (-7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,
             3.46122286769746109310E-17, -2.82762398051658348494E-16, -3.42548561967721913462E-16,
             1.77256013305652638360E-15, 3.81168066935262242075E-15, -9.55484669882830764870E-15,
             -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,
             7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11,
             -3.14991652796324136454E-11, 1.18891471078464383424E-11, 4.94060238822496958910E-10,
             3.39623202570838634515E-9, 2.26666899049817806459E-8, 2.04891858946906374183E-7,
             2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,
             8.04490411014108831608E-1)
# exp(-x) I1(x) / x on [0, 8], and exp(-x) sqrt(x) I1(x) on [8, inf)
_I1_SMALL = (2.77791411276104639959E-18, -2.11142121435816608115E-17, 1.55363195773620046921E-16,
             -1.10559694773538630805E-15, 7.60068429473540693410E-15, -5.04218550472791168711E-14,
             3.22379336594557470981E-13, -1.98397439776494371520E-12, 1.17361862988909016308E-11,
             -6.66348972350202774223E-11, 3.62559028155211703701E-10, -1.88724975172282928790E-9,
             9.38153738649577178388E-9, -4.44505912879632808065E-8, 2.00329475355213526229E-7,
             -8.56872026469545474066E-7, 3.47025130813767847674E-6, -1.32731636560394358279E-5,
             4.78156510755005422638E-5, -1.61760815825896745588E-4, 5.12285956168575772895E-4,
             -1.51357245063125314899E-3, 4.15642294431288815669E-3, -1.05640848946261981558E-2,
             2.47264490306265168283E-2, -5.29459812080949914269E-2, 1.02643658689847095384E-1,
             -1.76416518357834055153E-1, 2.52587186443633654823E-1)
_I1_LARGE = (7.51729631084210481353E-18, 4.41434832307170791151E-18, -4.65030536848935832153E-17,
             -3.20952592199342395980E-17, 2.96262899764595013876E-16, 3.30820231092092828324E-16,
             -1.88035477551078244854E-15, -3.81440307243700780478E-15, 1.04202769841288027642E-14,
             4.27244001671195135429E-14, -2.10154184277266431302E-14, -4.08355111109219731823E-13,
             -7.19855177624590851209E-13, 2.03562854414708950722E-12, 1.41258074366137813316E-11,
             3.25260358301548823856E-11, -1.89749581235054123450E-11, -5.58974346219658380687E-10,
             -3.83538038596423702205E-9, -2.63146884688951950684E-8, -2.51223623787020892529E-7,
             -3.88256480887769039346E-6, -1.10588938762623716291E-4, -9.76109749136146840777E-3,
             7.78576235018280120474E-1)
# K0(x) + log(x/2) I0(x) on [0, 2] in y = x^2 - 2, and exp(x) sqrt(x) K0(x) on [2, inf) in y = 8/x - 2
_K0_SMALL = (1.37446543561352307156E-16, 4.25981614279661018399E-14, 1.03496952576338420167E-11,
             1.90451637722020886025E-9, 2.53479107902614945675E-7, 2.28621210311945178607E-5,
             1.26461541144692592338E-3, 3.59799365153615016266E-2, 3.44289899924628486886E-1,
             -5.35327393233902768720E-1)
_K0_LARGE = (5.30043377268626276149E-18, -1.64758043015242134646E-17, 5.21039150503902756861E-17,
             -1.67823109680541210385E-16, 5.51205597852431940784E-16, -1.84859337734377901440E-15,
             6.34007647740507060557E-15, -2.22751332699166985548E-14, 8.03289077536357521100E-14,
             -2.98009692317273043925E-13, 1.14034058820847496303E-12, -4.51459788337394416547E-12,
             1.85594911495471785253E-11, -7.95748924447710747776E-11, 3.57739728140030116597E-10,
             -1.69753450938905987466E-9, 8.57403401741422608519E-9, -4.66048989768794782956E-8,
             2.76681363944501510342E-7, -1.83175552271911948767E-6, 1.39498137188764993662E-5,
             -1.28495495816278026384E-4, 1.56988388573005337491E-3, -3.14481013119645005427E-2,
             2.44030308206595545468E0)
# x (K1(x) - log(x/2) I1(x)) on [0, 2], and exp(x) sqrt(x) K1(x) on [2, inf)
_K1_SMALL = (-7.02386347938628759343E-18, -2.42744985051936593393E-15, -6.66690169419932900609E-13,
             -1.41148839263352776110E-10, -2.21338763073472585583E-8, -2.43340614156596823496E-6,
             -1.73028895751305206302E-4, -6.97572385963986435018E-3, -1.22611180822657148235E-1,
             -3.53155960776544875667E-1, 1.52530022733894777053E0)
_K1_LARGE = (-5.75674448366501715755E-18, 1.79405087314755922667E-17, -5.68946255844285935196E-17,
             1.83809354436663880070E-16, -6.05704724837331885336E-16, 2.03870316562433424052E-15,
             -7.01983709041831346144E-15, 2.47715442448130437068E-14, -8.97670518232499435011E-14,
             3.34841966607842919884E-13, -1.28917396095102890680E-12, 5.13963967348173025100E-12,
             -2.12996783842756842877E-11, 9.21831518760500529508E-11, -4.19035475934189648750E-10,
             2.01504975519703286596E-9, -1.03457624656780970260E-8, 5.74108412545004946722E-8,
             -3.50196060308781257119E-7, 2.40648494783721712015E-6, -1.93619797416608296024E-5,
             1.95215518471351631108E-4, -2.85781685962277938680E-3, 1.03923736576817238437E-1,
             2.72062619048444266945E0)


# NOTE: each branch is evaluated on every element with its argument clipped into its own interval and
# the results selected, the vectorised form of Cephes' if/else.

def i0e64(x):
    a = np.abs(x)
    small = chebyshev(_I0_SMALL, np.minimum(a, 8.0) / 2.0 - 2.0)
    b = np.maximum(a, 8.0)
    large = chebyshev(_I0_LARGE, 32.0 / b - 2.0) / np.sqrt(b)
    return np.where(a <= 8.0, small, large)


def i1e64(x):
    a = np.abs(x)
    s = np.minimum(a, 8.0)
    small = chebyshev(_I1_SMALL, s / 2.0 - 2.0) * s
    b = np.maximum(a, 8.0)
    large = chebyshev(_I1_LARGE, 32.0 / b - 2.0) / np.sqrt(b)
    return np.copysign(np.where(a <= 8.0, small, large), x)


def i0_64(x):
    return np.exp(np.abs(x)) * i0e64(x)  # inf * 0 = nan at +-inf, like PyTorch


def i1_64(x):
    return np.exp(np.abs(x)) * i1e64(x)


def _bessel_k(x, order: int, scaled: bool):
    """K0 or K1 (times e^x when `scaled`): inf at 0, nan for negative arguments."""
    small, large, bessel_i = (_K0_SMALL, _K0_LARGE, i0_64) if order == 0 else (_K1_SMALL, _K1_LARGE, i1_64)
    s = np.clip(x, 0.0, 2.0)
    series = chebyshev(small, s * s - 2.0)
    log_term = np.log(0.5 * s) * bessel_i(s)
    near = series - log_term if order == 0 else log_term + series / s
    b = np.maximum(x, 2.0)
    far = chebyshev(large, 8.0 / b - 2.0) / np.sqrt(b)  # e^x K(x) beyond 2
    r = np.where(x <= 2.0, near * np.exp(s) if scaled else near, far if scaled else np.exp(-x) * far)
    return np.where(x == 0, np.inf, np.where(x < 0, np.nan, r))


class I0e(Primitive):
    save_inputs = True
    save_output = True
    forward = in_float64(i0e64)

    def backward(ctx, g):
        x = ctx.inputs[0]
        return (g * (i1e(x) - sign(x) * ctx.output),)


class I1e(Primitive):
    save_inputs = True
    save_output = True
    forward = in_float64(i1e64)

    def backward(ctx, g):
        x = ctx.inputs[0]
        zero = x == 0
        # NOTE: the limit at 0 is 1/2; the division sees 1 there so no nan reaches the selected branch
        slope = i0e(x) - ctx.output * (sign(x) + 1.0 / where(zero, 1.0, x))
        return (g * where(zero, 0.5, slope),)


i0e = unary("i0e", I0e)
i0 = unary("i0", I0)  # torch.i0's primitive, refusing Python numbers and complex tensors like PyTorch's
i1 = unary("i1", I1)  # the primitive behind torch.i0's gradient
i1e = unary("i1e", I1e)
modified_bessel_i0 = non_differentiable("modified_bessel_i0", i0_64)
modified_bessel_i1 = non_differentiable("modified_bessel_i1", i1_64)
modified_bessel_k0 = non_differentiable("modified_bessel_k0", partial(_bessel_k, order=0, scaled=False))
modified_bessel_k1 = non_differentiable("modified_bessel_k1", partial(_bessel_k, order=1, scaled=False))
scaled_modified_bessel_k0 = non_differentiable("scaled_modified_bessel_k0", partial(_bessel_k, order=0, scaled=True))
scaled_modified_bessel_k1 = non_differentiable("scaled_modified_bessel_k1", partial(_bessel_k, order=1, scaled=True))

TENSOR_METHODS: dict = {}
__all__: list = []  # torch.special only: flambeau/special/__init__.py exports them
