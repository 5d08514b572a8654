// SPDX-License-Identifier: MIT
#include "HistoryOperation.h"

#include "Command.h"
#include "JsonStorage.h"
#include "Protocol.h"

#include <QDateTime>
#include <QJsonArray>
#include <cmath>
#include <functional>

namespace Optiverse::Collab {

bool readHistoryScene(const QJsonObject &message, HistoryScene *out)
{
    for (const QJsonValue &v : message.value(QLatin1String("state")).toObject().value(QLatin1String("items")).toArray()) {
        StateItem item;
        QString why;
        if (!StateItem::fromJson(v.toObject(), &item, &why))
            return false;
        out->insert(item.id, item);
    }
    return true;
}

HistoryOperation::ItemChange HistoryOperation::diff(const QString &itemId, const StateItem *before,
                                                    const StateItem *after)
{
    ItemChange c;
    c.itemId = itemId;
    c.existedBefore = before != nullptr;
    c.existsAfter = after != nullptr;
    c.itemType = after ? after->type : (before ? before->type : QString());
    c.typeBefore = before ? before->type : c.itemType;
    if (c.isWholeItem()) {
        if (before)
            c.before = before->data;
        if (after)
            c.after = after->data;
        return c;
    }
    // Relayed commands take their changes from SessionModel instead; this
    // serves state pushes, stored operations and the debug check.
    const QJsonObject &from = before->data;
    const QJsonObject &to = after->data;
    for (auto b = from.constBegin(); b != from.constEnd(); ++b) {
        const auto a = to.constFind(b.key());
        if (a == to.constEnd())
            c.properties.append({b.key(), JsonStorage::detached(b.value()), QJsonValue(QJsonValue::Undefined)});
        else if (*a != b.value())
            c.properties.append({b.key(), JsonStorage::detached(b.value()), JsonStorage::detached(*a)});
    }
    for (auto a = to.constBegin(); a != to.constEnd(); ++a)
        if (!from.contains(a.key()))
            c.properties.append({a.key(), QJsonValue(QJsonValue::Undefined), JsonStorage::detached(a.value())});
    return c;
}

HistoryOperation::ItemChange HistoryOperation::propertyChange(const QString &itemId, const QString &itemType,
                                                              const QList<PropertyChange> &properties)
{
    ItemChange c;
    c.itemId = itemId;
    c.itemType = itemType;
    c.typeBefore = itemType;
    c.properties = properties;
    return c;
}

namespace {
using ValueFilter = std::function<QJsonValue(const QJsonValue &)>;

// @p object with @p filter applied to each value, built anew: a filtered-out
// large value is never copied.
QJsonObject filtered(const QJsonObject &object, const ValueFilter &filter)
{
    if (!filter)
        return object;
    QJsonObject o;
    for (auto it = object.constBegin(); it != object.constEnd(); ++it)
        o.insert(it.key(), filter(it.value()));
    return o;
}

// One side of a change as an object: the whole item, or the changed keys.
QJsonObject sideOf(const HistoryOperation::ItemChange &c, bool after, const ValueFilter &filter = {})
{
    if (c.isWholeItem())
        return filtered(after ? c.after : c.before, filter);
    QJsonObject o;
    for (const PropertyChange &p : c.properties) {
        const QJsonValue &value = after ? p.after : p.before;
        if (!value.isUndefined())
            o.insert(p.key, filter ? filter(value) : value);
    }
    return o;
}
} // namespace

QJsonObject HistoryOperation::ItemChange::beforeObject() const
{
    return sideOf(*this, false);
}

QJsonObject HistoryOperation::ItemChange::afterObject() const
{
    return sideOf(*this, true);
}

void HistoryOperation::applyChange(const ItemChange &c, HistoryScene *scene, bool forward)
{
    const bool existsNow = forward ? c.existsAfter : c.existedBefore;
    if (!existsNow) {
        scene->remove(c.itemId);
        return;
    }
    if (c.isWholeItem()) {
        scene->insert(c.itemId, StateItem{c.itemId, forward ? c.itemType : c.typeBefore, forward ? c.after : c.before});
        return;
    }
    auto it = scene->find(c.itemId);
    if (it == scene->end()) // not expected in a consistent log; keep what is known
        it = scene->insert(c.itemId, StateItem{c.itemId, c.itemType, {}});
    for (const PropertyChange &p : c.properties) {
        const QJsonValue &value = forward ? p.after : p.before;
        const QJsonValue &replaced = forward ? p.before : p.after;
        if (value.isUndefined())
            it->data.remove(p.key);
        else
            it->data.insert(p.key, value);
        if (!replaced.isUndefined())
            it->noteReplaced(p.key, replaced, value.isUndefined());
    }
}

void HistoryOperation::apply(HistoryScene *scene) const
{
    for (const ItemChange &c : changes)
        applyChange(c, scene, true);
}

void HistoryOperation::unapply(HistoryScene *scene) const
{
    for (auto it = changes.crbegin(); it != changes.crend(); ++it)
        applyChange(*it, scene, false);
}

void HistoryOperation::slim()
{
    if (m_slim || statePush || changes.size() != 1)
        return;
    Command::Action action;
    if (!Command::actionFromName(command.value(Protocol::FieldAction).toString(), &action))
        return;
    command = slimCommand(action);
    m_slim = true;
}

QJsonObject HistoryOperation::slimCommand(Command::Action action)
{
    // One shared object per action: an operation then holds no command bytes.
    static const QJsonObject actionOnly[] = {
        {{Protocol::FieldAction, Command::actionName(Command::Action::Add)}},
        {{Protocol::FieldAction, Command::actionName(Command::Action::Move)}},
        {{Protocol::FieldAction, Command::actionName(Command::Action::Remove)}},
        {{Protocol::FieldAction, Command::actionName(Command::Action::Update)}},
    };
    switch (action) {
    case Command::Action::Add: return actionOnly[0];
    case Command::Action::Move: return actionOnly[1];
    case Command::Action::Remove: return actionOnly[2];
    case Command::Action::Update: return actionOnly[3];
    }
    return actionOnly[0];
}

qint64 HistoryOperation::footprint() const
{
    // The struct, its list of changes, and what each change holds that is
    // its own (ids and keys are mostly shared with the session's model).
    qint64 bytes = qint64(sizeof(HistoryOperation)) + 32;
    if (!m_slim)
        bytes += JsonStorage::footprint(command);
    if (!group.isEmpty()) {
        // A restore or revert gives every one of its thousands of operations
        // the same shared group: counted once, not walked once per operation.
        thread_local QJsonObject lastGroup;
        thread_local qint64 lastGroupBytes = 0;
        if (group != lastGroup) {
            lastGroup = group;
            lastGroupBytes = JsonStorage::footprint(group);
        }
        bytes += lastGroupBytes;
    }
    for (const ItemChange &c : changes) {
        bytes += qint64(sizeof(ItemChange)) + 32;
        if (c.isWholeItem()) {
            bytes += JsonStorage::footprint(c.before) + JsonStorage::footprint(c.after);
            continue;
        }
        for (const PropertyChange &p : c.properties)
            bytes += qint64(sizeof(PropertyChange)) + JsonStorage::footprint(p.before) + JsonStorage::footprint(p.after);
    }
    return bytes;
}

QJsonObject HistoryOperation::commandJson(const ValueFilter &filter) const
{
    if (!m_slim) {
        if (!filter || !command.value(Protocol::FieldData).isObject())
            return command;
        QJsonObject o = command;
        o.insert(Protocol::FieldData, filtered(command.value(Protocol::FieldData).toObject(), filter));
        return o;
    }
    const ItemChange &c = changes.constFirst();
    QJsonObject o = command;
    o.insert(Protocol::FieldItemId, c.itemId);
    o.insert(Protocol::FieldItemType, c.itemType);
    if (!c.existsAfter)
        return o;
    if (c.isWholeItem()) {
        o.insert(Protocol::FieldData, filtered(c.after, filter));
        return o;
    }
    QJsonObject data;
    QJsonArray changed;
    QJsonArray removed;
    for (const PropertyChange &p : c.properties) {
        if (p.after.isUndefined()) {
            removed.append(p.key);
        } else {
            data.insert(p.key, filter ? filter(p.after) : p.after);
            changed.append(p.key);
        }
    }
    o.insert(Protocol::FieldData, data);
    if (o.value(Protocol::FieldAction).toString() == Protocol::ActionUpdate) {
        o.insert(Protocol::FieldChangedKeys, changed);
        if (!removed.isEmpty())
            o.insert(Protocol::FieldRemovedKeys, removed);
    }
    return o;
}

QString HistoryOperation::isoTime(qint64 timeMs)
{
    return QDateTime::fromMSecsSinceEpoch(timeMs, Qt::UTC).toString(Qt::ISODateWithMs);
}

QJsonObject HistoryOperation::toJson() const
{
    return toJson({}, changes.size());
}

QJsonObject HistoryOperation::previewJson(qsizetype maxChars, qsizetype maxChanges, bool *shortened) const
{
    *shortened = false;
    const ValueFilter preview = [maxChars, shortened](const QJsonValue &v) -> QJsonValue {
        if (v.isString() && v.toString().size() > maxChars) {
            *shortened = true;
            return QString(v.toString().left(maxChars) + QChar(0x2026));
        }
        if ((v.isObject() || v.isArray()) && JsonStorage::footprint(v) > 4 * maxChars) {
            *shortened = true;
            return QString(QChar(0x2026));
        }
        return v;
    };
    QJsonObject o = toJson(preview, maxChanges);
    if (changes.size() > maxChanges)
        o.insert(QLatin1String("changes_total"), changes.size());
    if (*shortened)
        o.insert(QLatin1String("shortened"), true);
    return o;
}

QJsonObject HistoryOperation::toJson(const ValueFilter &filter, qsizetype maxChanges) const
{
    QJsonArray list;
    for (const ItemChange &c : changes) {
        if (list.size() >= maxChanges)
            break;
        QJsonObject o{{QLatin1String("item_id"), c.itemId}, {QLatin1String("item_type"), c.itemType}};
        if (c.typeBefore != c.itemType)
            o.insert(QLatin1String("type_before"), c.typeBefore);
        if (c.existedBefore)
            o.insert(QLatin1String("before"), sideOf(c, false, filter));
        if (c.existsAfter)
            o.insert(QLatin1String("after"), sideOf(c, true, filter));
        list.append(o);
    }
    QJsonObject o{{QLatin1String("seq"), seq},
                  {QLatin1String("user_id"), userId},
                  {QLatin1String("timestamp"), isoTime(timeMs)},
                  {QLatin1String("time_ms"), timeMs},
                  {QLatin1String("changes"), list}};
    if (statePush)
        o.insert(QLatin1String("state_push"), true);
    else
        o.insert(QLatin1String("command"), commandJson(filter));
    if (!group.isEmpty())
        o.insert(QLatin1String("group"), group);
    return o;
}

namespace {
bool counter(const QJsonValue &v, qint64 *out)
{
    const double d = v.toDouble(-1);
    if (!v.isDouble() || d < 0 || d > 9007199254740992.0 || std::floor(d) != d)
        return false;
    *out = qint64(d);
    return true;
}
} // namespace

bool HistoryOperation::fromJson(const QJsonObject &o, HistoryOperation *out, QString *error)
{
    HistoryOperation op;
    if (!counter(o.value(QLatin1String("seq")), &op.seq) || op.seq == 0) {
        *error = QStringLiteral("\"seq\" must be a positive integer");
        return false;
    }
    const QJsonValue user = o.value(QLatin1String("user_id"));
    if (!user.isString() || user.toString().size() > Protocol::MaxIdLength) {
        *error = QStringLiteral("\"user_id\" must be a string of at most %1 characters").arg(Protocol::MaxIdLength);
        return false;
    }
    op.userId = user.toString();
    if (!o.value(QLatin1String("timestamp")).isString()) {
        *error = QStringLiteral("\"timestamp\" must be a string");
        return false;
    }
    if (!counter(o.value(QLatin1String("time_ms")), &op.timeMs)) {
        const QDateTime t = QDateTime::fromString(o.value(QLatin1String("timestamp")).toString(), Qt::ISODateWithMs);
        if (!t.isValid()) {
            *error = QStringLiteral("\"timestamp\" is not an ISO-8601 time");
            return false;
        }
        op.timeMs = t.toMSecsSinceEpoch();
    }
    op.statePush = o.value(QLatin1String("state_push")).toBool();
    if (!op.statePush) {
        Command parsed;
        if (!o.value(QLatin1String("command")).isObject()
            || !Command::fromJson(o.value(QLatin1String("command")).toObject(), &parsed, error)) {
            *error = QStringLiteral("\"command\": %1")
                         .arg(o.value(QLatin1String("command")).isObject() ? *error : QStringLiteral("must be an object"));
            return false;
        }
        op.command = o.value(QLatin1String("command")).toObject();
    }
    op.group = o.value(QLatin1String("group")).toObject();
    const QJsonValue list = o.value(QLatin1String("changes"));
    if (!list.isArray()) {
        *error = QStringLiteral("\"changes\" must be an array");
        return false;
    }
    for (const QJsonValue &v : list.toArray()) {
        const QJsonObject c = v.toObject();
        ItemChange change;
        const QJsonValue id = c.value(QLatin1String("item_id"));
        const QJsonValue type = c.value(QLatin1String("item_type"));
        if (!v.isObject() || !id.isString() || id.toString().isEmpty() || id.toString().size() > Protocol::MaxIdLength
            || !type.isString() || type.toString().size() > Protocol::MaxTypeLength) {
            *error = QStringLiteral("\"changes\" must hold objects with an item_id and an item_type");
            return false;
        }
        change.itemId = id.toString();
        change.itemType = type.toString();
        change.typeBefore = c.value(QLatin1String("type_before")).toString(change.itemType);
        const QJsonValue before = c.value(QLatin1String("before"));
        const QJsonValue after = c.value(QLatin1String("after"));
        if ((!before.isUndefined() && !before.isObject()) || (!after.isUndefined() && !after.isObject())
            || (before.isUndefined() && after.isUndefined())) {
            *error = QStringLiteral("each change needs \"before\" and/or \"after\" objects");
            return false;
        }
        change.existedBefore = before.isObject();
        change.existsAfter = after.isObject();
        if (change.isWholeItem()) {
            change.before = before.toObject();
            change.after = after.toObject();
        } else {
            StateItem from{change.itemId, change.itemType, before.toObject()};
            StateItem to{change.itemId, change.itemType, after.toObject()};
            change.properties = diff(change.itemId, &from, &to).properties;
        }
        op.changes.append(std::move(change));
    }
    *out = std::move(op);
    return true;
}

} // namespace Optiverse::Collab
