// SPDX-License-Identifier: MIT
#pragma once

#include "StateItem.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace Optiverse::Collab {

/**
 * One scene edit as carried in a "command" message's "command" object:
 * {action, item_type, item_id, data}. Our extension "changed_keys" lists,
 * for update_item, which keys of data the sender changed, so receivers and the
 * server merge per property; original peers ignore it and use data whole.
 *
 * data holds properties only: identity keys that original peers put in it
 * (item_uuid, uuid) are checked against item_id and taken out by fromJson(),
 * and toJson() writes item_uuid back into the data of add and update.
 *
 * Our extension "removed_keys" (update_item) names keys the sender deleted
 * from the item: data stays the whole item without them (original peers
 * rebuild the item from data, so the key is gone there too), and receivers and
 * the server delete them. An update with removed_keys always carries
 * changed_keys (possibly empty).
 */
class Command
{
public:
    enum class Action { Add, Move, Remove, Update };

    Action action = Action::Add;
    QString itemType;
    QString itemId;
    QJsonObject data;
    QStringList changedKeys; // update_item only; empty means "all keys of data" (unless keys are removed)
    QStringList removedKeys; // update_item only: keys deleted from the item
    static constexpr int MaxRemovedKeys = 256;

    /// Parses and validates a "command" object. On error returns false and sets
    /// @p error to a sentence naming the offending field.
    static bool fromJson(const QJsonObject &object, Command *out, QString *error);
    /// An add_item creating @p item as it is.
    static Command addOf(const StateItem &item);
    QJsonObject toJson() const;

    /// The keys of data this command changes (changedKeys, or all of data
    /// when neither changedKeys nor removedKeys is given).
    QStringList effectiveKeys() const;

    static QString actionName(Action action);
    static bool actionFromName(const QString &name, Action *out);
};

} // namespace Optiverse::Collab
