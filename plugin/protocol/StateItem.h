// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QString>

namespace Optiverse::Collab {

/// One item of a session's scene as carried in sync:full_state:
/// {"item_id", "item_type", "data"}.
struct StateItem
{
    QString id;
    QString type;
    QJsonObject data;

    QJsonObject toJson() const;
    bool operator==(const StateItem &o) const { return id == o.id && type == o.type && data == o.data; }
};

} // namespace Optiverse::Collab
