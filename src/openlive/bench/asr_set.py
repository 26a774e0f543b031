"""The speech set of ``openlive bench asr``: what is said, by which voice, how fast.

Written before any recogniser setting was tuned on it, and not changed to suit
one since. The English set covers what people say to a voice assistant: short
answers, numbers (prices, years, digit strings, times, percentages), names of
cities and people, questions and commands, from a few words to about twenty.
The German and French sets are for the multilingual models.

Each sentence is written as a person would type what they meant ("250 dollars",
"1987"); the synthesizer reads the digits out as words, and the scorer's
normaliser maps digits and number words to the same form, so either spelling
in a transcript counts as right.

Voices and speeds are assigned in rotation: the English set cycles through
:data:`EN_VOICES` (seven espeak-ng voices and variants, and every Piper voice
in :data:`PIPER_VOICES`) and, independently, through three speeds. The two
cycle lengths share no factor, so every voice is heard at every speed and each
kind of sentence is spread over voices. The German and French sets do the same
with four espeak-ng voices each.
"""

from __future__ import annotations

from dataclasses import dataclass

PIPER_PREFIX = "piper:"
"""Voices named ``piper:NAME`` are Piper voices; the rest are espeak-ng voices."""

PIPER_VOICES = ("piper:joe",)
"""The Piper voices the English set uses (``joe``: the embedded ``en_US-joe-medium``)."""

EN_VOICES = (
    "en-us",
    "en-gb",
    "en-us+m3",
    "en-gb+f2",
    "en-us+f4",
    "en-gb-scotland",
    "en-gb-x-rp+m5",
    *PIPER_VOICES,
)
"""English voices, in rotation."""

DE_VOICES = ("de", "de+f2", "de+m3", "de+f4")
FR_VOICES = ("fr", "fr+f3", "fr+m4", "fr+f2")

SPEEDS = ("slow", "normal", "fast")
"""Speeds, in rotation: espeak-ng words per minute and Piper length scales below."""

ESPEAK_WPM = {"slow": 140, "normal": 170, "fast": 200}
PIPER_LENGTH = {"slow": 1.2, "normal": 1.0, "fast": 0.85}

EN_SENTENCES: tuple[tuple[str, str], ...] = (
    # Short answers.
    ("short", "Yes."),
    ("short", "No."),
    ("short", "Mhm."),
    ("short", "Okay."),
    ("short", "Yes, please."),
    ("short", "No, thank you."),
    ("short", "Sure."),
    ("short", "Maybe later."),
    ("short", "I don't know."),
    ("short", "That's right."),
    # Numbers.
    ("number", "It costs 250 dollars."),
    ("number", "I was born in 1987."),
    ("number", "The year 2024 was a leap year."),
    ("number", "My number is 5 5 5, 0 1 9 2."),
    ("number", "Set a timer for 15 minutes."),
    ("number", "I need 3 tickets for Saturday."),
    ("number", "The temperature is minus 5 degrees."),
    ("number", "Add 12 eggs and 2 litres of milk to the list."),
    ("number", "What is 12 times 7?"),
    ("number", "Flight 447 leaves from gate 23."),
    ("number", "The population is about 8 million."),
    ("number", "My pin code is 4 9 1 7."),
    ("number", "It happened in 1066."),
    ("number", "Wake me up at 6 in the morning."),
    ("number", "Transfer 1500 pounds to my savings account."),
    ("number", "Turn the volume down to 30 percent."),
    # Names of places and people.
    ("name", "I live in Edinburgh."),
    ("name", "Book a flight from Chicago to Tokyo."),
    ("name", "What is the weather like in Barcelona?"),
    ("name", "Send a message to Sarah Johnson."),
    ("name", "Call my brother Michael."),
    ("name", "Who painted the Mona Lisa?"),
    ("name", "My doctor is called Doctor Patel."),
    ("name", "Is it raining in Seattle right now?"),
    ("name", "Play something by Taylor Swift."),
    ("name", "Remind Emma about the dentist on Friday."),
    ("name", "How far is Manchester from Liverpool?"),
    ("name", "Marie Curie won two Nobel prizes."),
    ("name", "Give me directions to Amsterdam central station."),
    ("name", "Tell Oliver I will be late."),
    # Questions.
    ("question", "What is the capital of Australia?"),
    ("question", "How do I make pancakes?"),
    ("question", "Can you help me with my homework?"),
    ("question", "Why do cats purr?"),
    ("question", "When does the library open on Sunday?"),
    ("question", "Where did I leave my keys?"),
    ("question", "How long should I boil an egg?"),
    ("question", "What time is it in New York?"),
    ("question", "Is it going to snow tomorrow?"),
    ("question", "Which planet is closest to the sun?"),
    ("question", "Could you repeat that more slowly?"),
    ("question", "Who won the football match last night?"),
    ("question", "How many languages do you speak?"),
    ("question", "What does photosynthesis mean?"),
    # Commands and statements.
    ("statement", "Turn off the lights in the kitchen."),
    ("statement", "Please remind me to buy bread."),
    ("statement", "I would like to order a large pizza with mushrooms."),
    ("statement", "The quick brown fox jumps over the lazy dog."),
    ("statement", "Let's talk about something else."),
    ("statement", "Stop the music."),
    ("statement", "I am feeling a little tired today."),
    ("statement", "Read me the latest news headlines."),
    ("statement", "Open the window, it's too warm in here."),
    ("statement", "Thanks, that was really helpful."),
    ("statement", "Cancel my appointment for tomorrow morning."),
    ("statement", "Add a reminder to water the plants every Monday."),
    (
        "statement",
        "Yesterday I walked along the river for almost two hours, and then I met an old friend "
        "for coffee in the park.",
    ),
    (
        "question",
        "Could you tell me a good recipe for a vegetarian lasagna that doesn't take more than an hour "
        "to make?",
    ),
)

DE_SENTENCES: tuple[tuple[str, str], ...] = (
    ("question", "Guten Morgen, wie geht es dir?"),
    ("statement", "Ich möchte einen Kaffee bestellen."),
    ("name", "Wie wird das Wetter morgen in Berlin?"),
    ("question", "Kannst du mir bitte helfen?"),
    ("question", "Wo ist der nächste Bahnhof?"),
    ("statement", "Ich habe heute keine Zeit."),
    ("statement", "Das Essen war sehr lecker."),
    ("question", "Wann beginnt der Film heute Abend?"),
    ("statement", "Mach bitte das Licht in der Küche aus."),
    ("name", "Meine Schwester wohnt in München."),
    ("short", "Ja, bitte."),
    ("short", "Nein, danke."),
    ("question", "Wie spät ist es jetzt?"),
    ("statement", "Erzähl mir einen Witz."),
    ("statement", "Ich lerne seit einem Jahr Deutsch."),
    ("statement", "Vielen Dank für deine Hilfe."),
)

FR_SENTENCES: tuple[tuple[str, str], ...] = (
    ("question", "Bonjour, comment allez-vous ?"),
    ("statement", "Je voudrais un café, s'il vous plaît."),
    ("name", "Quel temps fera-t-il demain à Paris ?"),
    ("question", "Pouvez-vous m'aider, s'il vous plaît ?"),
    ("question", "Où est la gare la plus proche ?"),
    ("statement", "Je n'ai pas le temps aujourd'hui."),
    ("statement", "Le repas était délicieux."),
    ("question", "À quelle heure commence le film ce soir ?"),
    ("statement", "Éteins la lumière de la cuisine."),
    ("name", "Ma sœur habite à Lyon."),
    ("short", "Oui, merci."),
    ("short", "Non, merci."),
    ("question", "Quelle heure est-il ?"),
    ("statement", "Raconte-moi une blague."),
    ("statement", "J'apprends le français depuis un an."),
    ("statement", "Merci beaucoup pour ton aide."),
)


@dataclass(frozen=True)
class SpokenItem:
    """One utterance of the set, before it is synthesized.

    Attributes:
        language: ISO 639-1 code of the language spoken (``en``, ``de``, ``fr``).
        kind: ``short``, ``number``, ``name``, ``question`` or ``statement``.
        text: The reference: what is said, written as meant.
        voice: An espeak-ng voice (``en-gb+f2``) or a Piper voice (``piper:joe``).
        speed: ``slow``, ``normal`` or ``fast``.
    """

    language: str
    kind: str
    text: str
    voice: str
    speed: str

    @property
    def engine(self) -> str:
        """``piper`` or ``espeak-ng``."""
        return "piper" if self.voice.startswith(PIPER_PREFIX) else "espeak-ng"


def _rotate(
    language: str, sentences: tuple[tuple[str, str], ...], voices: tuple[str, ...]
) -> list[SpokenItem]:
    return [
        SpokenItem(language, kind, text, voices[index % len(voices)], SPEEDS[index % len(SPEEDS)])
        for index, (kind, text) in enumerate(sentences)
    ]


SETS = ("en", "de", "fr")
"""The sets, by language."""


def speech_set(language: str) -> list[SpokenItem]:
    """The utterances of one language's set.

    Raises:
        ValueError: No set for ``language``.
    """
    if language == "en":
        return _rotate("en", EN_SENTENCES, EN_VOICES)
    if language == "de":
        return _rotate("de", DE_SENTENCES, DE_VOICES)
    if language == "fr":
        return _rotate("fr", FR_SENTENCES, FR_VOICES)
    raise ValueError(f"no speech set for language {language!r}; sets: {', '.join(SETS)}")
