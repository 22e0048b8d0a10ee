package talent

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/httpapi"
)

type putPhotoInput struct {
	ID          int64  `path:"id" minimum:"1"`
	ContentType string `header:"Content-Type"`
	RawBody     []byte `contentType:"image/jpeg"`
}

type photoInfoOutput struct {
	ETag string `header:"ETag"`
	Body PhotoInfo
}

type getPhotoInput struct {
	ID          int64  `path:"id" minimum:"1"`
	IfNoneMatch string `header:"If-None-Match" maxLength:"1000" doc:"The ETag you hold: 304 if the photo is still the same"`
}

type photoOutput struct {
	Status       int
	ContentType  string `header:"Content-Type"`
	ETag         string `header:"ETag"`
	CacheControl string `header:"Cache-Control"`
	Body         []byte
}

// matchesETag reports whether an If-None-Match header names the entity tag (or is "*").
func matchesETag(ifNoneMatch, tag string) bool {
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == tag {
			return true
		}
	}
	return false
}

func registerPhotos(api huma.API, s *Service) {
	tags := []string{"Talent registry"}
	images := func() map[string]*huma.MediaType {
		image := func() *huma.Schema { return &huma.Schema{Type: huma.TypeString, Format: "binary"} }
		return map[string]*huma.MediaType{"image/jpeg": {Schema: image()}, "image/png": {Schema: image()}}
	}

	huma.Register(api, httpapi.Upload(auth.Allow(huma.Operation{
		OperationID: "put-talent-photo", Method: http.MethodPut, Path: "/v1/talents/{id}/photo", Tags: tags,
		Summary: "Upload a talent's photo",
		Description: "The body is the image itself, sent as `image/jpeg` or `image/png`, at most 2 MiB and 6000×6000 pixels " +
			"(40 megapixels). It is decoded and encoded afresh (JPEG at quality 85, PNG as PNG), which drops all metadata " +
			"such as EXIF (a JPEG is first turned upright as its EXIF orientation says); a result over 2 MiB is scaled " +
			"down. Anything that is not a readable image of the declared type is refused with 422. Replaces any " +
			"earlier photo. HR uploads for its own enterprise's talent.",
		RequestBody: &huma.RequestBody{Required: true, Content: images()},
		Errors:      []int{http.StatusBadRequest, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
		// The body is an image, not JSON: it is read raw (within the limit) and checked by decoding it.
		SkipValidateBody: true,
	}, editorRoles...), MaxPhotoBytes+64<<10), func(ctx context.Context, in *putPhotoInput) (*photoInfoOutput, error) {
		info, err := s.PutPhoto(ctx, in.ID, in.ContentType, in.RawBody)
		if err != nil {
			return nil, err
		}
		return &photoInfoOutput{ETag: `"` + info.SHA256 + `"`, Body: info}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-talent-photo", Method: http.MethodGet, Path: "/v1/talents/{id}/photo", Tags: tags,
		Summary:     "A talent's photo",
		Description: "The image with its content type and an ETag (its SHA-256); send the ETag back in If-None-Match for a 304. Visible to whoever may read the record.",
		Responses: map[string]*huma.Response{
			"200": {Description: "The photo", Content: images()},
			"304": {Description: "The photo is the one you hold"},
		},
		Errors: []int{http.StatusNotFound},
	}, talentReaders...), func(ctx context.Context, in *getPhotoInput) (*photoOutput, error) {
		ph, err := s.GetPhoto(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		out := &photoOutput{Status: http.StatusOK, ETag: photoETag(ph.SHA256), CacheControl: "private, no-cache"}
		if in.IfNoneMatch != "" && matchesETag(in.IfNoneMatch, out.ETag) {
			out.Status = http.StatusNotModified
			return out, nil
		}
		out.ContentType, out.Body = ph.ContentType, ph.Image
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "delete-talent-photo", Method: http.MethodDelete, Path: "/v1/talents/{id}/photo", Tags: tags,
		Summary: "Remove a talent's photo", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}, editorRoles...), func(ctx context.Context, in *talentIDInput) (*struct{}, error) {
		return nil, s.DeletePhoto(ctx, in.ID)
	})
}
