package exchange

// Whole heartbeat frames, for the golden tests and the scripted peers of
// other tests. The Client and Server write heartbeats with
// connWriter.writeFrame and the same flags (frame.go).

// heartbeatRequest is the Java heartbeat request: da bb e2 00 <id> 00 00 00 01 4e.
func heartbeatRequest(serialization byte, id int64, body []byte) []byte {
	return appendFrame(make([]byte, 0, HeaderLen+len(body)), heartbeatRequestFlags|serialization, 0, id, body)
}

// heartbeatAnswer is the Java heartbeat answer: da bb 22 14 <id> 00 00 00 01 4e.
func heartbeatAnswer(serialization byte, id int64, body []byte) []byte {
	return appendFrame(make([]byte, 0, HeaderLen+len(body)), heartbeatAnswerFlags|serialization, StatusOK, id, body)
}
