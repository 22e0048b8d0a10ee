package greencard

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/answer"
	"talentd/internal/auth"
)

type verifyInput struct {
	Body struct {
		Token   *string `json:"token,omitempty" maxLength:"4096" doc:"The scanned QR text; or, instead, serial and id_last4"`
		Serial  string  `json:"serial,omitempty" maxLength:"24" pattern:"^[A-Za-z0-9-]{1,24}$" doc:"The serial printed on the card, with id_last4, when there is no QR to scan" example:"BS-2021-000123"`
		IDLast4 string  `json:"id_last4,omitempty" pattern:"^[0-9]{3}[0-9Xx]$" doc:"The last four characters of the holder's identity number (X in either case)" example:"123X"`
		Window  string  `json:"window,omitempty" maxLength:"100" doc:"Which window, for the log" example:"区政务服务中心3号窗口"`
	}
}

func registerVerify(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "verify-card", Method: http.MethodPost, Path: "/v1/greencard/verify", Tags: []string{"Green cards"},
		Summary: "Verify a scanned card, or look one up by serial",
		Description: "Give either `token` (the scanned QR text) or `serial` with `id_last4` (the last four characters of the " +
			"holder's identity number) — one of the two, else 422. Answers 200 with a verdict: `valid`, a `reason` and its " +
			"`message` in the reader's language (Accept-Language). An identified card names its holder (masked name, " +
			"birth year, last four of the identity number, enterprise, and `photo_url` when there is a photo); a valid " +
			"one lists the services the holder may use now with this year's remaining quota (`unlimited` when there is " +
			"none). A serial and last four that do not match answer `not_found`, as an unknown serial does; after " +
			"5 such answers for one serial within 15 minutes, lookups of that serial answer 429 for a while. " +
			"Every verification is logged, never the token.",
		Errors: []int{http.StatusUnprocessableEntity, http.StatusTooManyRequests},
	}, verifierRoles...), func(ctx context.Context, in *verifyInput) (*answer.Body[Verification], error) {
		b := in.Body
		return answer.Of(s.Verify(ctx, VerifyInput{Token: b.Token, Serial: b.Serial, IDLast4: b.IDLast4, Window: b.Window}))
	})
}
