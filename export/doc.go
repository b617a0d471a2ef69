// Package export writes Puente's records in the two formats other systems read:
// a CSV of priorities for spreadsheets (RFC 4180, with spreadsheet formula
// injection neutralised) and the approved plans as IATI 2.03 activities, the
// format in which development cooperation is published and aggregated. Both
// writers stream, so an export of every priority never has to sit in memory.
//
// The IATI output is checked in the tests against the IATI 2.03 activity
// schema kept in testdata/iati, with xmllint; the schema orders the children
// of iati-activity as an xsd:sequence, which the field order of the structs
// in iati.go follows.
package export
