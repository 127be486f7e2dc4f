package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// recordingTranscripts reads the transcript of each cloud recording that
// has one (a TRANSCRIPT file): Zoom's details, then the text its
// download_url serves, downloaded with the same client and host rules.
func recordingTranscripts() Stream {
	return Stream{
		Name: "recording_transcripts", Doc: "Transcripts of cloud recordings, with their text.",
		Path: "/meetings/{meetingUUID}/transcript", Category: zoomapi.CategoryMedium,
		Parent: "recordings", PathFrom: map[string]string{"meetingUUID": "uuid"}, UUIDParam: "meetingUUID",
		Keys:     map[string]string{"meeting_uuid": "uuid"},
		Download: "download_url", DownloadInto: "transcript",
		PrimaryKey: pk("meeting_uuid"), ParentCursor: "start_time",
		Scopes:   []string{"recording:read:admin", "recording:read"},
		Granular: []string{"cloud_recording:read:meeting_transcript:admin", "cloud_recording:read:meeting_transcript"},
		Needs:    hasTranscriptFile,
	}
}

// hasTranscriptFile reports whether a recording lists a TRANSCRIPT file:
// Zoom answers 404 code 3322 for the others.
func hasTranscriptFile(rec map[string]any) bool {
	files, _ := rec["recording_files"].([]any)
	for _, f := range files {
		if m, ok := f.(map[string]any); ok && m["file_type"] == "TRANSCRIPT" {
			return true
		}
	}
	return false
}
