"""The Live API's client messages, written in the schema language of ``schema.py``.

Field lists follow the BidiGenerateContent reference and what the official SDKs
send (google-genai 3.6's and @google/genai 2.32's live converters: every field of
``LiveConnectConfig`` they put into ``setup``). Fields in an ``Obj``'s ``later`` set
are parsed but refused as 'not supported yet' until the issue that implements them
lands; remove a name from ``later`` when its feature is served. Fields that tune
what a hosted model does and have no meaning for an open model on one machine
(safety settings, labels, routing, log probabilities...) are accepted and have no
effect; README.md lists them. Any other field is refused as unknown.
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
PART_MEDIA_RESOLUTION = Enum((*MEDIA_RESOLUTION.values, "MEDIA_RESOLUTION_ULTRA_HIGH"))
START_SENSITIVITY = Enum(("START_SENSITIVITY_UNSPECIFIED", "START_SENSITIVITY_HIGH", "START_SENSITIVITY_LOW"))
END_SENSITIVITY = Enum(("END_SENSITIVITY_UNSPECIFIED", "END_SENSITIVITY_HIGH", "END_SENSITIVITY_LOW"))
ACTIVITY_HANDLING = Enum(("ACTIVITY_HANDLING_UNSPECIFIED", "START_OF_ACTIVITY_INTERRUPTS", "NO_INTERRUPTION"))
TURN_COVERAGE = Enum(("TURN_COVERAGE_UNSPECIFIED", "TURN_INCLUDES_ONLY_ACTIVITY", "TURN_INCLUDES_ALL_INPUT"))
BEHAVIOR = Enum(("UNSPECIFIED", "BLOCKING", "NON_BLOCKING"))
SCHEDULING = Enum(("SCHEDULING_UNSPECIFIED", "SILENT", "WHEN_IDLE", "INTERRUPT"))
LANGUAGE = Enum(("LANGUAGE_UNSPECIFIED", "PYTHON"))
# google-genai 3.6 ThinkingLevel (accepted; the budget is what openlive reads).
THINKING_LEVEL = Enum(("THINKING_LEVEL_UNSPECIFIED", "MINIMAL", "LOW", "MEDIUM", "HIGH", "XHIGH"))
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
        # An image's own resolution (the SDKs' Part.media_resolution): its tokens.
        "mediaResolution": Obj({"level": PART_MEDIA_RESOLUTION, "numTokens": INT32}),
    },
    later=frozenset({"fileData", "videoMetadata"}),
)

CONTENT = Obj({"role": STR, "parts": ListOf(PART)})

VOICE_CONFIG = Obj(
    {"prebuiltVoiceConfig": Obj({"voiceName": STR}), "voice": STR, "replicatedVoiceConfig": ANY},
    later=frozenset({"replicatedVoiceConfig"}),
)

SPEECH_CONFIG = Obj(
    {
        "voiceConfig": VOICE_CONFIG,
        "languageCode": STR,
        "multiSpeakerVoiceConfig": ANY,
    }
)

# Options of a hosted recogniser; the transcript is Whisper's whatever they say.
AUDIO_TRANSCRIPTION_CONFIG = Obj(
    {
        "languageCodes": ListOf(STR),
        "languageAuto": ANY,
        "languageHints": Obj({"languageCodes": ListOf(STR)}),
        "customVocabulary": ListOf(STR),
        "adaptationPhrases": ListOf(STR),
        "wordTimestamp": BOOL,
        "diarization": BOOL,
        "mode": STR,
        "sourceText": STR,
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
        "thinkingConfig": Obj(
            {
                "includeThoughts": BOOL,
                "thinkingBudget": Scalar("int", -1, INT32_MAX),
                "thinkingLevel": THINKING_LEVEL,
            }
        ),
        "enableAffectiveDialog": BOOL,
        # Accepted, no effect: output shaping and routing of the hosted service.
        "stopSequences": ListOf(STR),
        "responseMimeType": STR,
        "responseSchema": ANY,
        "responseJsonSchema": ANY,
        "responseLogprobs": BOOL,
        "logprobs": Scalar("int", 0, INT32_MAX),
        "audioTimestamp": BOOL,
        "routingConfig": ANY,
        "modelSelectionConfig": ANY,
        "enableEnhancedCivicAnswers": BOOL,
        "audioTranscriptionConfig": AUDIO_TRANSCRIPTION_CONFIG,
        # Not served: translated speech, and output formats other than 24 kHz PCM.
        "translationConfig": Obj({"targetLanguageCode": STR, "echoTargetLanguage": BOOL}),
        "responseFormat": ANY,
    },
    later=frozenset({"translationConfig", "responseFormat"}),
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
        # Tools of the hosted service that have no counterpart here.
        "retrieval": ANY,
        "googleMaps": ANY,
        "computerUse": ANY,
        "fileSearch": ANY,
        "enterpriseWebSearch": ANY,
        "mcpServers": ANY,
        "exaAiSearch": ANY,
        "parallelAiSearch": ANY,
    },
    later=frozenset(
        {
            "retrieval",
            "googleMaps",
            "computerUse",
            "fileSearch",
            "enterpriseWebSearch",
            "mcpServers",
            "exaAiSearch",
            "parallelAiSearch",
        }
    ),
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
        "interimTranscriptTimestampEnabled": BOOL,
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
        "inputAudioTranscription": AUDIO_TRANSCRIPTION_CONFIG,
        "outputAudioTranscription": AUDIO_TRANSCRIPTION_CONFIG,
        # The model may ignore input it need not answer; answering all of it is allowed.
        "proactivity": Obj({"proactiveAudio": BOOL, "proactiveVideo": BOOL}),
        # pipecat always sends it: the first clientContent messages, up to the one
        # with turnComplete, seed the history without a reply.
        "historyConfig": Obj({"initialHistoryInClientContent": BOOL}),
        # Accepted, no effect: there is no safety classifier, and labels are billing metadata.
        "safetySettings": ListOf(Obj({"category": STR, "method": STR, "threshold": STR})),
        "labels": ANY,
        # Not served: avatar video, and the client's own VAD signal (Vertex AI only).
        "avatarConfig": ANY,
        "explicitVadSignal": BOOL,
    },
    later=frozenset({"avatarConfig", "explicitVadSignal"}),
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
