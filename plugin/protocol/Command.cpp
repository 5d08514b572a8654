// SPDX-License-Identifier: MIT
#include "Command.h"

#include "Protocol.h"
#include "StateItem.h"

#include <QJsonArray>
#include <cmath>

namespace Optiverse::Collab {

namespace {

bool checkPoseField(const QJsonObject &data, QLatin1String key, QString *error)
{
    const auto it = data.constFind(key);
    if (it == data.constEnd())
        return true;
    if (!it->isDouble() || !std::isfinite(it->toDouble())) {
        *error = QStringLiteral("data.%1 must be a finite number").arg(key);
        return false;
    }
    return true;
}

bool isIdentityKey(const QString &key)
{
    return key == Protocol::FieldUuid || key == Protocol::FieldItemUuid || key == Protocol::FieldItemId
        || key == Protocol::FieldItemType;
}

} // namespace

QString Command::actionName(Action action)
{
    switch (action) {
    case Action::Add: return Protocol::ActionAdd;
    case Action::Move: return Protocol::ActionMove;
    case Action::Remove: return Protocol::ActionRemove;
    case Action::Update: return Protocol::ActionUpdate;
    }
    return {};
}

bool Command::actionFromName(const QString &name, Action *out)
{
    if (name == Protocol::ActionAdd) *out = Action::Add;
    else if (name == Protocol::ActionMove) *out = Action::Move;
    else if (name == Protocol::ActionRemove) *out = Action::Remove;
    else if (name == Protocol::ActionUpdate) *out = Action::Update;
    else return false;
    return true;
}

Command Command::addOf(const StateItem &item)
{
    Command add;
    add.action = Action::Add;
    add.itemId = item.id;
    add.itemType = item.type;
    add.data = item.data;
    return add;
}

bool Command::fromJson(const QJsonObject &object, Command *out, QString *error)
{
    const QJsonValue action = object.value(Protocol::FieldAction);
    if (!action.isString()) {
        *error = QStringLiteral("command.action must be a string");
        return false;
    }
    Command c;
    if (!actionFromName(action.toString(), &c.action)) {
        *error = QStringLiteral("unknown action \"%1\"").arg(action.toString().left(Protocol::MaxNameLength));
        return false;
    }
    const QJsonValue id = object.value(Protocol::FieldItemId);
    if (!id.isString() || id.toString().isEmpty() || id.toString().size() > Protocol::MaxIdLength) {
        *error = QStringLiteral("command.item_id must be a non-empty string of at most %1 characters")
                     .arg(Protocol::MaxIdLength);
        return false;
    }
    c.itemId = id.toString();
    const QJsonValue type = object.value(Protocol::FieldItemType);
    if (type.isString()) {
        c.itemType = type.toString();
    } else if (!type.isUndefined() && !type.isNull()) {
        *error = QStringLiteral("command.item_type must be a string");
        return false;
    }
    if (c.itemType.size() > Protocol::MaxTypeLength) {
        *error = QStringLiteral("command.item_type is longer than %1 characters").arg(Protocol::MaxTypeLength);
        return false;
    }
    if (c.action == Action::Add && c.itemType.isEmpty()) {
        *error = QStringLiteral("add_item needs a non-empty item_type");
        return false;
    }
    const QJsonValue data = object.value(Protocol::FieldData);
    if (data.isObject()) {
        c.data = data.toObject();
    } else if (!data.isUndefined() && !data.isNull()) {
        *error = QStringLiteral("command.data must be an object");
        return false;
    }
    // Identity travels in data for original peers; here it is item_id alone.
    bool conflict = false;
    const QString dataId = StateItem::takeIdentity(&c.data, &conflict);
    if (conflict || (!dataId.isEmpty() && dataId != c.itemId)) {
        *error = QStringLiteral("command.data names another item than item_id");
        return false;
    }
    for (QLatin1String key : {Protocol::FieldXmm, Protocol::FieldYmm, Protocol::FieldAngleDeg}) {
        if (!checkPoseField(c.data, key, error))
            return false;
    }
    const QJsonValue changed = object.value(Protocol::FieldChangedKeys);
    if (changed.isArray()) {
        for (const QJsonValue &k : changed.toArray()) {
            if (k.isString() && isIdentityKey(k.toString()))
                continue; // identity is not a property
            if (!k.isString() || !c.data.contains(k.toString())) {
                *error = QStringLiteral("command.changed_keys must name keys of data");
                return false;
            }
            c.changedKeys.append(k.toString());
        }
    } else if (!changed.isUndefined() && !changed.isNull()) {
        *error = QStringLiteral("command.changed_keys must be an array");
        return false;
    }
    const QJsonValue removed = object.value(Protocol::FieldRemovedKeys);
    if (removed.isArray()) {
        const QJsonArray keys = removed.toArray();
        if (c.action != Action::Update || keys.size() > MaxRemovedKeys) {
            *error = QStringLiteral("command.removed_keys is for update_item, at most %1 keys").arg(MaxRemovedKeys);
            return false;
        }
        for (const QJsonValue &k : keys) {
            const QString key = k.toString();
            if (!k.isString() || key.isEmpty() || key.size() > Protocol::MaxNameLength || c.data.contains(key)
                || c.changedKeys.contains(key) || c.removedKeys.contains(key)
                || key == Protocol::FieldXmm || key == Protocol::FieldYmm || key == Protocol::FieldAngleDeg) {
                *error = QStringLiteral("command.removed_keys must name distinct keys of at most %1 characters that "
                                        "are neither in data nor pose keys").arg(Protocol::MaxNameLength);
                return false;
            }
            c.removedKeys.append(key);
        }
    } else if (!removed.isUndefined() && !removed.isNull()) {
        *error = QStringLiteral("command.removed_keys must be an array");
        return false;
    }
    *out = std::move(c);
    return true;
}

QJsonObject Command::toJson() const
{
    // Original peers take a new item's identity from data.item_uuid only, and
    // rebuild an updated item from data: both carry it.
    QJsonObject wireData = data;
    if (action == Action::Add || action == Action::Update)
        wireData.insert(Protocol::FieldItemUuid, itemId);
    QJsonObject o{{Protocol::FieldAction, actionName(action)},
                  {Protocol::FieldItemType, itemType},
                  {Protocol::FieldItemId, itemId},
                  {Protocol::FieldData, wireData}};
    if (!changedKeys.isEmpty() || !removedKeys.isEmpty())
        o.insert(Protocol::FieldChangedKeys, QJsonArray::fromStringList(changedKeys));
    if (!removedKeys.isEmpty())
        o.insert(Protocol::FieldRemovedKeys, QJsonArray::fromStringList(removedKeys));
    return o;
}

QStringList Command::effectiveKeys() const
{
    return changedKeys.isEmpty() && removedKeys.isEmpty() ? data.keys() : changedKeys;
}

} // namespace Optiverse::Collab
