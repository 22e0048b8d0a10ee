// Package iso20022 writes the credit transfer files talentd hands to the district's bank and
// reads the status reports the bank sends back: pain.001.001.09 (Customer Credit Transfer
// Initiation) out, pain.002 (Customer Payment Status Report, versions 001.001.09 to 001.001.11)
// in. It knows nothing of programmes or payouts: a caller turns its approved payouts into a Run,
// writes it, and later matches a StatusReport against the same Run.
//
// Amounts are money.Fen throughout and reach the XML as decimal yuan with exactly two places,
// computed from the integer, never through a float. Every error is an *errs.Error with a stable
// code and messages in Chinese and English, because they reach the finance clerks who import a
// bank's file.
package iso20022
