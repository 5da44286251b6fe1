// Envelope: plain data (see envelope.hpp); this file keeps the target's sources in one place.
#include "message/envelope.hpp"
