// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QString>

namespace Optiverse::Collab {

/**
 * One item of a session's scene: its id, its type and its properties.
 *
 * On the wire (sync:full_state) an item is *flat*, as the original Optiverse
 * writes and reads it: the properties at top level plus "uuid" and
 * "item_type". fromJson() also takes the nested {item_id, item_type, data}
 * form. Either way the identity keys never end up in data (see
 * Protocol::FieldUuid).
 */
struct StateItem
{
    QString id;
    QString type;
    QJsonObject data;
    /// Bytes of replaced and removed values still inside data's buffer, and
    /// what data held when it was last rebuilt (see JsonStorage).
    qint64 wasteBytes = 0;
    qint64 liveBytes = 0;

    /// Records that @p key's old value @p replaced (or the key itself, when
    /// removed) left data, and rebuilds data once the waste exceeds what it
    /// holds: an item edited all day stays its own size.
    void noteReplaced(const QString &key, const QJsonValue &replaced, bool keyRemoved = false);

    /// The flat wire form: data + "uuid" + "item_type".
    QJsonObject toJson() const;
    /// Reads a flat or a nested item. On error returns false and sets @p error
    /// (a phrase naming what is wrong, without echoing the input).
    static bool fromJson(const QJsonObject &object, StateItem *out, QString *error);
    /// Removes the identity keys (uuid, item_uuid, item_id, item_type) from
    /// @p data; returns the id they named ("" when none did, or they disagree
    /// and @p conflict is set).
    static QString takeIdentity(QJsonObject *data, bool *conflict = nullptr);

    bool operator==(const StateItem &o) const { return id == o.id && type == o.type && data == o.data; }
};

} // namespace Optiverse::Collab
