package pipeline

// Code names what is wrong with a field, stable for API clients and the
// catalogues' key ("code."+Code) to its message in every language.
type Code string

// The codes of field problems; api/openapi.yaml documents each with its params.
const (
	Required         Code = "required"
	InvalidUTF8      Code = "invalid_utf8"
	ControlCharacter Code = "control_character" // char: U+XXXX
	BidiControl      Code = "bidi_control"      // char: U+XXXX
	TooLong          Code = "too_long"          // count: characters
	TooFewCountries  Code = "too_few_countries" // count: countries
	TooMany          Code = "too_many"          // count: entries
	TooLarge         Code = "too_large"         // max
	OutOfRange       Code = "out_of_range"      // min, max
	Negative         Code = "negative"
	NotPositive      Code = "not_positive"
	TooPrecise       Code = "too_precise"
	NotANumber       Code = "not_a_number"
	NotAnInteger     Code = "not_an_integer"
	NotAString       Code = "not_a_string"
	NotABoolean      Code = "not_a_boolean"
	NotAnArray       Code = "not_an_array"
	NotAnObject      Code = "not_an_object"
	NotOneOf         Code = "not_one_of" // allowed: the values, comma-separated
	NotAnID          Code = "not_an_id"
	NotADate         Code = "not_a_date"
	DateOutOfRange   Code = "date_out_of_range" // min, max: YYYY-MM-DD
	EndBeforeStart   Code = "end_before_start"
	NotGenderMarker  Code = "not_gender_marker"
	UnknownCountry   Code = "unknown_country" // value: quoted
	Duplicate        Code = "duplicate"       // value: quoted
	OwnCountry       Code = "own_country"
	NoActions        Code = "no_actions"
	NoBeneficiaries  Code = "no_beneficiaries"
	NoIndicators     Code = "no_indicators"
	NoChanges        Code = "no_changes"
	NoPlan           Code = "no_plan"
	NotUsed          Code = "not_used" // decision
	// MentionUnseen: an @mention names nobody who may see the priority.
	MentionUnseen    Code = "mention_unseen" // handle: @name
	NoExpert         Code = "no_expert"      // theme
	UnknownUser      Code = "unknown_user"
	NotAnExpert      Code = "not_an_expert"
	NotThemeExpert   Code = "not_theme_expert" // theme
	NotForRole       Code = "not_for_role"
	ActualsMismatch  Code = "actuals_mismatch" // count: the action's indicators
	ExpertNeedsTheme Code = "expert_needs_theme"
	NotAnEmail       Code = "not_an_email"
	EmailTaken       Code = "email_taken"
	UnknownSession   Code = "unknown_session"
	NotACursor       Code = "not_a_cursor"
	UnknownField     Code = "unknown_field"
	UnknownParameter Code = "unknown_parameter"
	DuplicateKey     Code = "duplicate_key"
	BadKey           Code = "bad_key"
	LoneSurrogate    Code = "lone_surrogate"
	NotJSON          Code = "not_json"
	NotPrintable     Code = "not_printable" // index, byte: 0xXX
	KeyReused        Code = "key_reused"
	NotPaginated     Code = "not_paginated"
	Unavailable      Code = "unavailable"   // error
	MoreProblems     Code = "more_problems" // count
	AbsenceOver      Code = "absence_over"
	SelfDelegation   Code = "self_delegation"
	DelegateRole     Code = "delegate_role" // role
	DelegateScope    Code = "delegate_scope"
	AbsenceOverlap   Code = "absence_overlap" // from, to: YYYY-MM-DD
	DelegateAbsent   Code = "delegate_absent" // from, to: YYYY-MM-DD
	StandingIn       Code = "standing_in"     // name
	// The codes of documents (docs/documents.md).
	PathSeparator       Code = "path_separator"
	DocumentTooLarge    Code = "document_too_large" // max: bytes
	DocumentEmpty       Code = "document_empty"
	DocumentUnsupported Code = "document_type"      // allowed: extensions, comma-separated
	DocumentUnsafe      Code = "document_unsafe"    // an archive that would expand out of bounds
	DocumentExtension   Code = "document_extension" // allowed: extensions, comma-separated
	DocumentExpired     Code = "document_expired"
)
