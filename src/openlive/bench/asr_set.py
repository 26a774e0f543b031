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

The held-out English set (``en-heldout``) was added later, before the settings of
2026-12-06's second round were tried: other sentences of the same kinds, voices the
first set does not use (six espeak-ng voices, three styles of the hibari voice and
Piper), and levels from the synthesizer's own down to 30 dB below it, as from a
microphone far away.
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

HIBARI_PREFIX = "hibari:"
"""Voices named ``hibari:NAME`` are the hibari voice in one of its styles (Kore, Leda, Aoede, Zephyr)."""

HELDOUT_VOICES = (
    "en-029",
    "hibari:Kore",
    "en-us-nyc",
    "en-gb-x-gbclan",
    "hibari:Leda",
    "en-gb-x-gbcwmd+f3",
    "piper:joe",
    "en-us+f2",
    "hibari:Aoede",
    "en-gb+m4",
)
"""Voices of the held-out English set, in rotation: six espeak-ng voices and variants that the
first set does not use, three styles of hibari (a woman's voice distilled from Kokoro, the most
natural synthesizer here) and Piper."""

HELDOUT_GAINS_DB = (0.0, -6.0, -12.0, -18.0, -24.0, -30.0, -3.0)
"""Levels of the held-out set, in rotation (dB against the synthesizer's own level): a
microphone far away or turned down is quieter than a synthesizer's full-scale output. Seven
levels against ten voices and three speeds: every voice is heard at several levels."""

HIBARI_SPEED = {"slow": 0.85, "normal": 1.0, "fast": 1.15}
"""hibari's speed factor for each speed."""

EN_HELDOUT_SENTENCES: tuple[tuple[str, str], ...] = (
    # Written after the first set, before any setting was tried on it; not changed since.
    ("short", "Yeah."),
    ("short", "Nope."),
    ("short", "Go ahead."),
    ("short", "Not really."),
    ("short", "Thanks a lot."),
    ("short", "Hello?"),
    ("short", "Exactly."),
    ("short", "Never mind."),
    ("short", "Sounds good to me."),
    ("short", "I'm not sure."),
    ("short", "Of course."),
    ("short", "Hang on."),
    ("number", "The meeting is at 3 30 this afternoon."),
    ("number", "I owe her 40 dollars."),
    ("number", "We have 7 days left."),
    ("number", "My flat is on the 4th floor."),
    ("number", "The train leaves at 9 15."),
    ("number", "It weighs about 2 kilograms."),
    ("number", "She was born on the 3rd of March 1995."),
    ("number", "The bill comes to 86 pounds."),
    ("number", "Room 312, please."),
    ("number", "Divide 100 by 4."),
    ("number", "I run 5 kilometres every morning."),
    ("number", "The code is 8 2 6 4."),
    ("number", "There were 60 people at the party."),
    ("number", "Increase the temperature to 21 degrees."),
    ("name", "Text Daniel that I'm on my way."),
    ("name", "Where is the nearest station to Oxford Street?"),
    ("name", "Play the new album by Adele."),
    ("name", "What time is it in London?"),
    ("name", "Who was Albert Einstein?"),
    ("name", "Find a hotel in Paris for next weekend."),
    ("name", "Tell me about the history of Egypt."),
    ("name", "Ask Lucy if she wants to come for dinner."),
    ("name", "Is the Amazon the longest river in the world?"),
    ("name", "Navigate to Boston airport."),
    ("name", "James and Anna are coming over tonight."),
    ("name", "How tall is the Eiffel Tower?"),
    ("question", "What's the weather going to be like this weekend?"),
    ("question", "Can you set an alarm for tomorrow?"),
    ("question", "How do you spell necessary?"),
    ("question", "What should I eat for lunch?"),
    ("question", "Do you know any good jokes?"),
    ("question", "How does a rainbow form?"),
    ("question", "Is there a pharmacy open near me?"),
    ("question", "What's the difference between a frog and a toad?"),
    ("question", "Why is the sea salty?"),
    ("question", "How many hours of sleep do I need?"),
    ("question", "Can dogs eat chocolate?"),
    ("question", "What happens if I miss my connecting flight?"),
    ("statement", "I can't find my phone anywhere."),
    ("statement", "Please turn the heating on."),
    ("statement", "Send an email to my boss saying I'm sick today."),
    ("statement", "I'd like to listen to some relaxing music."),
    ("statement", "Write down that I need to call the bank."),
    ("statement", "My car won't start this morning."),
    ("statement", "Tell me a story about a brave little mouse."),
    ("statement", "The children are playing in the garden."),
    ("statement", "We're going to the beach on Sunday."),
    ("statement", "Lock the front door and switch off the TV."),
    ("statement", "I think I left the oven on."),
    ("statement", "Show me pictures of mountains in the snow."),
    (
        "statement",
        "When I was younger I wanted to be a pilot, but now I really enjoy working as a teacher "
        "in a small school.",
    ),
    (
        "question",
        "If I leave the house at eight and the drive takes forty minutes, will I be there before "
        "the shop opens?",
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
        gain_db: Level against the synthesizer's own, in dB (0: as synthesized).
    """

    language: str
    kind: str
    text: str
    voice: str
    speed: str
    gain_db: float = 0.0

    @property
    def engine(self) -> str:
        """``piper``, ``hibari`` or ``espeak-ng``."""
        if self.voice.startswith(PIPER_PREFIX):
            return "piper"
        return "hibari" if self.voice.startswith(HIBARI_PREFIX) else "espeak-ng"


def _rotate(
    language: str,
    sentences: tuple[tuple[str, str], ...],
    voices: tuple[str, ...],
    gains_db: tuple[float, ...] = (0.0,),
) -> list[SpokenItem]:
    return [
        SpokenItem(
            language,
            kind,
            text,
            voices[index % len(voices)],
            SPEEDS[index % len(SPEEDS)],
            gains_db[index % len(gains_db)],
        )
        for index, (kind, text) in enumerate(sentences)
    ]


QUIET_DB = -30.0
"""The level of ``en-quiet``: the first English set as from a microphone far away."""

SETS = ("en", "en-heldout", "en-quiet", "de", "fr")
"""The sets by name: a language's code; ``en-heldout`` (English: other sentences, voices and
levels); ``en-quiet`` (the first English set 30 dB down)."""


def speech_set(name: str) -> list[SpokenItem]:
    """The utterances of one set.

    Raises:
        ValueError: No set called ``name``.
    """
    if name == "en":
        return _rotate("en", EN_SENTENCES, EN_VOICES)
    if name == "en-heldout":
        return _rotate("en", EN_HELDOUT_SENTENCES, HELDOUT_VOICES, HELDOUT_GAINS_DB)
    if name == "en-quiet":
        return _rotate("en", EN_SENTENCES, EN_VOICES, (QUIET_DB,))
    if name == "de":
        return _rotate("de", DE_SENTENCES, DE_VOICES)
    if name == "fr":
        return _rotate("fr", FR_SENTENCES, FR_VOICES)
    raise ValueError(f"no speech set {name!r}; sets: {', '.join(SETS)}")
