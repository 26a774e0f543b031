"""The Live API's client messages, written in the schema language of ``schema.py``.

Field lists follow the BidiGenerateContent reference. Fields in an ``Obj``'s
``later`` set are parsed but refused as 'not supported yet' until the issue that
implements them lands; remove a name from ``later`` when its feature is served.
"""

from __future__ import annotations

from openlive.wire.schema import (
    ANY,
    BOOL,
    BYTES,
    FLOAT,
    INT32,
    INT32_MAX,
    INT64_MAX,
    STR,
    Enum,
    ListOf,
    Obj,
    Scalar,
)

MODALITY = Enum(("MODALITY_UNSPECIFIED", "TEXT", "IMAGE", "AUDIO"))
MEDIA_RESOLUTION = Enum(
    (
        "MEDIA_RESOLUTION_UNSPECIFIED",
        "MEDIA_RESOLUTION_LOW",
        "MEDIA_RESOLUTION_MEDIUM",
        "MEDIA_RESOLUTION_HIGH",
    )
)
START_SENSITIVITY = Enum(("START_SENSITIVITY_UNSPECIFIED", "START_SENSITIVITY_HIGH", "START_SENSITIVITY_LOW"))
END_SENSITIVITY = Enum(("END_SENSITIVITY_UNSPECIFIED", "END_SENSITIVITY_HIGH", "END_SENSITIVITY_LOW"))
ACTIVITY_HANDLING = Enum(("ACTIVITY_HANDLING_UNSPECIFIED", "START_OF_ACTIVITY_INTERRUPTS", "NO_INTERRUPTION"))
TURN_COVERAGE = Enum(("TURN_COVERAGE_UNSPECIFIED", "TURN_INCLUDES_ONLY_ACTIVITY", "TURN_INCLUDES_ALL_INPUT"))
BEHAVIOR = Enum(("UNSPECIFIED", "BLOCKING", "NON_BLOCKING"))
SCHEDULING = Enum(("SCHEDULING_UNSPECIFIED", "SILENT", "WHEN_IDLE", "INTERRUPT"))
LANGUAGE = Enum(("LANGUAGE_UNSPECIFIED", "PYTHON"))
OUTCOME = Enum(("OUTCOME_UNSPECIFIED", "OUTCOME_OK", "OUTCOME_FAILED", "OUTCOME_DEADLINE_EXCEEDED"))

BLOB = Obj({"mimeType": STR, "data": BYTES, "displayName": STR})

FUNCTION_CALL = Obj({"id": STR, "name": STR, "args": ANY})
FUNCTION_RESPONSE = Obj(
    {
        "id": STR,
        "name": STR,
        "response": ANY,
        "willContinue": BOOL,
        "scheduling": SCHEDULING,
        "parts": ANY,
    }
)

PART = Obj(
    {
        "text": STR,
        "inlineData": BLOB,
        "fileData": Obj({"mimeType": STR, "fileUri": STR, "displayName": STR}),
        "functionCall": FUNCTION_CALL,
        "functionResponse": FUNCTION_RESPONSE,
        "executableCode": Obj({"language": LANGUAGE, "code": STR}),
        "codeExecutionResult": Obj({"outcome": OUTCOME, "output": STR}),
        "thought": BOOL,
        "thoughtSignature": BYTES,
        "videoMetadata": Obj({"startOffset": STR, "endOffset": STR, "fps": FLOAT}),
    },
    later=frozenset({"inlineData", "fileData", "videoMetadata"}),
)

CONTENT = Obj({"role": STR, "parts": ListOf(PART)})

SPEECH_CONFIG = Obj(
    {
        "voiceConfig": Obj({"prebuiltVoiceConfig": Obj({"voiceName": STR})}),
        "languageCode": STR,
        "multiSpeakerVoiceConfig": ANY,
    }
)

# Sampling ranges as the Gemini API documents GenerationConfig: temperature 0-2,
# topP 0-1, penalties -2 to 2, a positive topK and token budget, an int32 seed.
GENERATION_CONFIG = Obj(
    {
        "candidateCount": Scalar("int", 1, INT32_MAX),
        "maxOutputTokens": Scalar("int", 1, INT32_MAX),
        "temperature": Scalar("float", 0.0, 2.0),
        "topP": Scalar("float", 0.0, 1.0),
        "topK": Scalar("int", 1, INT32_MAX),
        "presencePenalty": Scalar("float", -2.0, 2.0),
        "frequencyPenalty": Scalar("float", -2.0, 2.0),
        "seed": INT32,
        "responseModalities": ListOf(MODALITY),
        "speechConfig": SPEECH_CONFIG,
        "mediaResolution": MEDIA_RESOLUTION,
        # -1 asks the model to choose its own thinking budget.
        "thinkingConfig": Obj({"includeThoughts": BOOL, "thinkingBudget": Scalar("int", -1, INT32_MAX)}),
        "enableAffectiveDialog": BOOL,
    },
)

FUNCTION_DECLARATION = Obj(
    {
        "name": STR,
        "description": STR,
        "parameters": ANY,
        "parametersJsonSchema": ANY,
        "response": ANY,
        "responseJsonSchema": ANY,
        "behavior": BEHAVIOR,
    }
)

TOOL = Obj(
    {
        "functionDeclarations": ListOf(FUNCTION_DECLARATION),
        "codeExecution": ANY,
        "googleSearch": ANY,
        "googleSearchRetrieval": ANY,
        "urlContext": ANY,
    }
)

REALTIME_INPUT_CONFIG = Obj(
    {
        "automaticActivityDetection": Obj(
            {
                "disabled": BOOL,
                "startOfSpeechSensitivity": START_SENSITIVITY,
                "endOfSpeechSensitivity": END_SENSITIVITY,
                # The session checks their range against what the endpointer can do.
                "prefixPaddingMs": INT32,
                "silenceDurationMs": INT32,
            }
        ),
        "activityHandling": ACTIVITY_HANDLING,
        "turnCoverage": TURN_COVERAGE,
    }
)

SETUP = Obj(
    {
        "model": STR,
        "generationConfig": GENERATION_CONFIG,
        "systemInstruction": CONTENT,
        "tools": ListOf(TOOL),
        "realtimeInputConfig": REALTIME_INPUT_CONFIG,
        "sessionResumption": Obj({"handle": STR, "transparent": BOOL}),
        "contextWindowCompression": Obj(
            {
                "slidingWindow": Obj({"targetTokens": Scalar("int", 0, INT64_MAX)}),
                "triggerTokens": Scalar("int", 0, INT64_MAX),
            }
        ),
        "inputAudioTranscription": Obj({"languageCodes": ListOf(STR)}),
        "outputAudioTranscription": Obj({"languageCodes": ListOf(STR)}),
        "proactivity": Obj({"proactiveAudio": BOOL}),
    },
    later=frozenset({"proactivity"}),
)

CLIENT_CONTENT = Obj({"turns": ListOf(CONTENT), "turnComplete": BOOL})

REALTIME_INPUT = Obj(
    {
        "mediaChunks": ListOf(BLOB),
        "audio": BLOB,
        "video": BLOB,
        "text": STR,
        "activityStart": Obj({}),
        "activityEnd": Obj({}),
        "audioStreamEnd": BOOL,
    },
    later=frozenset({"video"}),
)

TOOL_RESPONSE = Obj({"functionResponses": ListOf(FUNCTION_RESPONSE)})

CLIENT_MESSAGE = Obj(
    {
        "setup": SETUP,
        "clientContent": CLIENT_CONTENT,
        "realtimeInput": REALTIME_INPUT,
        "toolResponse": TOOL_RESPONSE,
    },
)
