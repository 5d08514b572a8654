// SPDX-License-Identifier: MIT
#include "StateItem.h"

namespace Optiverse::Collab {

QJsonObject StateItem::toJson() const
{
    return {{QLatin1String("item_id"), id}, {QLatin1String("item_type"), type}, {QLatin1String("data"), data}};
}

} // namespace Optiverse::Collab
