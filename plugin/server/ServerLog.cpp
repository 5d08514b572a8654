// SPDX-License-Identifier: MIT
#include "ServerLog.h"

namespace Optiverse::Collab {
Q_LOGGING_CATEGORY(lcServer, "optiverse.server", QtInfoMsg)
}
