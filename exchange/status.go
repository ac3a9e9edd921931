package exchange

import "strconv"

// Status is the one-byte status of a Dubbo response header.
type Status byte

// Every status code Java Dubbo defines (exchange/Response.java).
const (
	StatusOK                        Status = 20
	StatusSerializationError        Status = 25 // Java 3.2.10+
	StatusClientTimeout             Status = 30 // synthesized by the client: never written
	StatusServerTimeout             Status = 31 // synthesized by the client: request was sent
	StatusChannelInactive           Status = 35 // synthesized by the client: connection closed
	StatusBadRequest                Status = 40
	StatusBadResponse               Status = 50
	StatusServiceNotFound           Status = 60
	StatusServiceError              Status = 70
	StatusServerError               Status = 80
	StatusClientError               Status = 90
	StatusServerThreadpoolExhausted Status = 100
)

var statusNames = map[Status]string{
	StatusOK:                        "OK",
	StatusSerializationError:        "SERIALIZATION_ERROR",
	StatusClientTimeout:             "CLIENT_TIMEOUT",
	StatusServerTimeout:             "SERVER_TIMEOUT",
	StatusChannelInactive:           "CHANNEL_INACTIVE",
	StatusBadRequest:                "BAD_REQUEST",
	StatusBadResponse:               "BAD_RESPONSE",
	StatusServiceNotFound:           "SERVICE_NOT_FOUND",
	StatusServiceError:              "SERVICE_ERROR",
	StatusServerError:               "SERVER_ERROR",
	StatusClientError:               "CLIENT_ERROR",
	StatusServerThreadpoolExhausted: "SERVER_THREADPOOL_EXHAUSTED_ERROR",
}

// String returns Java's name for the status, or the number for unknown codes.
func (s Status) String() string {
	if name, ok := statusNames[s]; ok {
		return name
	}
	return "STATUS_" + strconv.Itoa(int(s))
}

// Known reports whether s is one of the codes Java Dubbo defines.
func (s Status) Known() bool {
	_, ok := statusNames[s]
	return ok
}
