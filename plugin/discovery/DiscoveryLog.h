// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

namespace Optiverse::Collab {
Q_DECLARE_LOGGING_CATEGORY(lcDiscovery)
}
