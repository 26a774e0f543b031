"""PCM helpers: MIME types, 16-bit little-endian PCM to float samples and back, resampling."""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from openlive.errors import InvalidArgument

Samples = npt.NDArray[np.float32]

# What the Live API describes: raw 16-bit little-endian mono PCM, named
# ``audio/pcm`` with an optional ``rate`` parameter in plain ASCII digits.
_PCM_TYPE = re.compile(r"audio/(?:pcm|l16)", re.IGNORECASE | re.ASCII)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
MAX_MIME_CHARS = 100
MIN_RATE = 4_000
MAX_RATE = 192_000
DEFAULT_INPUT_RATE = 16_000
_EXAMPLE = "send 16-bit PCM as audio/pcm;rate=16000"


def pcm_rate(mime_type: str, path: str = "audio.mimeType") -> int:
    """The sample rate named by ``audio/pcm;rate=N`` (16 kHz when no rate is given).

    Only the ``rate`` parameter is understood: any other (``channels``,
    ``encoding``...) would describe audio this server would misread, so it is refused.

    Raises:
        InvalidArgument: Not 16-bit PCM, a malformed rate, or a rate outside 4-192 kHz.
    """
    if len(mime_type) > MAX_MIME_CHARS:
        raise InvalidArgument(f"{path} is over {MAX_MIME_CHARS} characters; {_EXAMPLE}")
    media_type, *params = (part.strip() for part in mime_type.split(";"))
    if not _PCM_TYPE.fullmatch(media_type):
        raise InvalidArgument(f"{path} {mime_type[:40]!r} is not supported; {_EXAMPLE}")
    if not params:
        return DEFAULT_INPUT_RATE
    if len(params) > 1 or not params[0].lower().replace(" ", "").startswith("rate="):
        raise InvalidArgument(f"{path} {mime_type[:40]!r}: only the rate parameter is supported; {_EXAMPLE}")
    value = params[0].split("=", 1)[1].strip()
    if not _DIGITS.fullmatch(value):
        raise InvalidArgument(f"{path} rate {value[:12]!r} is not a whole number of Hz, e.g. rate=16000")
    # Length first: int() of thousands of digits is slow, or refused outright.
    if len(value) > 6 or not MIN_RATE <= int(value) <= MAX_RATE:
        raise InvalidArgument(f"{path} rate {value[:12]} is out of range {MIN_RATE}-{MAX_RATE} Hz")
    return int(value)


def pcm16_to_float(data: bytes, path: str = "audio.data") -> Samples:
    """Decode 16-bit little-endian PCM to float32 in [-1, 1).

    Raises:
        InvalidArgument: An odd number of bytes (not whole 16-bit samples).
    """
    if len(data) % 2:
        raise InvalidArgument(f"{path} has {len(data)} bytes, not whole 16-bit samples")
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def float_to_pcm16(samples: Samples) -> bytes:
    """Encode float samples as 16-bit little-endian PCM, clipping to range."""
    clipped = np.clip(samples, -1.0, 32767 / 32768)
    return (clipped * 32768.0).round().astype("<i2").tobytes()


def resample(samples: Samples, from_rate: int, to_rate: int) -> Samples:
    """Resample a whole buffer (high quality, via soxr)."""
    if from_rate == to_rate or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    import soxr

    return np.asarray(soxr.resample(samples, from_rate, to_rate, quality="HQ"), dtype=np.float32)


class StreamResampler:
    """Resample a stream chunk by chunk without clicks at chunk edges."""

    def __init__(self, from_rate: int, to_rate: int) -> None:
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._stream = None
        if from_rate != to_rate:
            import soxr

            self._stream = soxr.ResampleStream(from_rate, to_rate, 1, dtype="float32", quality="HQ")

    def process(self, samples: Samples, last: bool = False) -> Samples:
        """Resample the next chunk; ``last`` flushes what the filter holds back."""
        if self._stream is None:
            return samples.astype(np.float32, copy=False)
        return np.asarray(self._stream.resample_chunk(samples, last=last), dtype=np.float32)
