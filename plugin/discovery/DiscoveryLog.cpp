// SPDX-License-Identifier: MIT
#include "DiscoveryLog.h"

namespace Optiverse::Collab {
Q_LOGGING_CATEGORY(lcDiscovery, "optiverse.discovery", QtInfoMsg)
}
