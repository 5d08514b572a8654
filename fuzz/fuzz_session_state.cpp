// SPDX-License-Identifier: MIT
// libFuzzer target: the session model both ends share (SessionModel). The input is a
// program: each step becomes an add/move/update/remove command (edits with or
// without the whole item, updates with removed_keys), a pushed full state or
// raw text, passes the real gate (Message::parse) and is then applied as
// ServerSession applies it (prepare, then commit; merge for a push). A small
// reference model of the documented rules (items and removed ids) runs
// alongside; after every step the two must agree, and: no item has an empty
// id, items are unique and sorted, a rejected command changes nothing (so a
// repeated add is idempotent), a removed item is gone and remembered,
// prepare() is pure.
#include "FuzzCheck.h"
#include "Message.h"
#include "MessageFactory.h"
#include "Protocol.h"
#include "SessionModel.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>
#include <QSet>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

using namespace Optiverse::Collab;

namespace {

class Program
{
public:
    Program(const uint8_t *data, size_t size) : m_data(data), m_size(size) {}
    bool atEnd() const { return m_pos >= m_size; }
    uint8_t byte() { return m_pos < m_size ? m_data[m_pos++] : 0; }
    QByteArray bytes(size_t n)
    {
        n = std::min(n, m_size - std::min(m_pos, m_size));
        const QByteArray out(reinterpret_cast<const char *>(m_data + m_pos), qsizetype(n));
        m_pos += n;
        return out;
    }
    double number()
    {
        switch (byte() % 4) {
        case 0: return double(int8_t(byte()));
        case 1: return double(byte()) / 7.0;
        case 2: { // any bit pattern, NaN and infinities included
            double d = 0;
            const QByteArray raw = bytes(sizeof d);
            std::memcpy(&d, raw.constData(), size_t(raw.size()));
            return d;
        }
        default: return 1e300 * double(byte());
        }
    }
    QString itemId()
    {
        const uint8_t b = byte();
        switch (b % 24) {
        case 16: return {};                                                 // refused by the gate
        case 17: return QString(Protocol::MaxIdLength + 1, QLatin1Char('L')); // refused by the gate
        case 18: return QString(Protocol::MaxIdLength, QLatin1Char('M'));
        case 19: return QStringLiteral("\u00e9t\u00e9");
        case 20: return QStringLiteral(" ");
        default: return QStringLiteral("i%1").arg(b % 16);
        }
    }
    QString key()
    {
        static const char *const keys[] = {"x_mm", "y_mm", "angle_deg", "focal_length_mm", "label", "", "data"};
        return QString::fromLatin1(keys[byte() % (sizeof keys / sizeof *keys)]);
    }
    QJsonValue value()
    {
        switch (byte() % 5) {
        case 0: return number();
        case 1: return QString::fromLatin1(bytes(byte() % 8).toHex());
        case 2: return bool(byte() & 1);
        case 3: return QJsonValue::Null;
        default: return QJsonObject{{QStringLiteral("nested"), number()}};
        }
    }
    QJsonObject data()
    {
        QJsonObject o;
        for (int n = byte() % 5; n > 0; --n)
            o.insert(key(), value());
        return o;
    }

private:
    const uint8_t *m_data;
    size_t m_size;
    size_t m_pos = 0;
};

// The reference: items by id and the ids removed in the session.
struct Model
{
    QMap<QString, StateItem> items;
    QSet<QString> removed;
};

void checkAgrees(const SessionModel &state, const Model &model)
{
    const QList<StateItem> items = state.items();
    FUZZ_CHECK(items.size() == model.items.size() && state.size() == model.items.size());
    FUZZ_CHECK(state.isEmpty() == model.items.isEmpty());
    FUZZ_CHECK(state.neverHadItems() == (model.items.isEmpty() && model.removed.isEmpty()));
    auto expected = model.items.cbegin();
    for (qsizetype i = 0; i < items.size(); ++i, ++expected) {
        FUZZ_CHECK(!items.at(i).id.isEmpty());
        FUZZ_CHECK(i == 0 || items.at(i - 1).id < items.at(i).id); // unique, sorted
        FUZZ_CHECK(items.at(i) == *expected);
        FUZZ_CHECK(state.contains(items.at(i).id));
        FUZZ_CHECK(!state.wasRemoved(items.at(i).id)); // an item present is not a removed one
    }
    const QStringList removed = state.removedIds();
    FUZZ_CHECK(QSet<QString>(removed.cbegin(), removed.cend()) == model.removed);
    FUZZ_CHECK(removed.size() == model.removed.size()); // each listed once
    for (const QString &id : model.removed)
        FUZZ_CHECK(state.wasRemoved(id) && !state.contains(id));
}

// The documented rules (README, "Conflict rules"), written independently of
// SessionModel: the expected item after the command, or the refusal.
bool isNumber(const QJsonObject &data, const char *key)
{
    return data.value(QLatin1String(key)).type() == QJsonValue::Double;
}

bool applyToModel(Model *model, const Command &c, QString *reason)
{
    const auto it = model->items.find(c.itemId);
    const bool present = it != model->items.end();
    const bool removed = model->removed.contains(c.itemId);
    // An edit of an item never seen that carries the whole item creates it.
    const bool upsert = c.action != Command::Action::Add && c.action != Command::Action::Remove && !present
        && !removed && !c.itemType.isEmpty() && isNumber(c.data, "x_mm") && isNumber(c.data, "y_mm");
    if (c.action == Command::Action::Add || upsert) {
        if (present) {
            *reason = QStringLiteral("item_exists");
            return false;
        }
        model->removed.remove(c.itemId); // adding a removed id re-creates it (undo of a removal)
        model->items.insert(c.itemId, {c.itemId, c.itemType, c.data});
        return true;
    }
    if (!present) {
        *reason = removed ? QStringLiteral("item_removed") : QStringLiteral("item_not_found");
        return false;
    }
    switch (c.action) {
    case Command::Action::Remove:
        model->items.erase(it);
        model->removed.insert(c.itemId);
        break;
    case Command::Action::Move:
        for (const char *pose : {"x_mm", "y_mm", "angle_deg"}) {
            const QString key = QString::fromLatin1(pose);
            if (c.data.contains(key))
                it->data.insert(key, c.data.value(key));
        }
        break;
    case Command::Action::Update: {
        // changed_keys when given (always with removed_keys), else every key of data.
        const bool explicitKeys = !c.changedKeys.isEmpty() || !c.removedKeys.isEmpty();
        for (const QString &key : explicitKeys ? c.changedKeys : c.data.keys())
            it->data.insert(key, c.data.value(key));
        for (const QString &key : c.removedKeys)
            it->data.remove(key);
        break;
    }
    case Command::Action::Add:
        break;
    }
    return true;
}

void applyCommand(SessionModel *state, Model *model, const Command &command)
{
    const QList<StateItem> before = state->items();
    const QStringList removedBefore = state->removedIds();
    SessionModel::Change change, again;
    QString reason, reasonAgain;
    const bool accepted = state->prepare(command, &change, &reason);
    FUZZ_CHECK(state->items() == before && state->removedIds() == removedBefore); // prepare() changes nothing
    FUZZ_CHECK(state->prepare(command, &again, &reasonAgain) == accepted);
    const bool wasRemoved = model->removed.contains(command.itemId);
    const bool presentBefore = model->items.contains(command.itemId);
    QString expectedReason;
    FUZZ_CHECK(applyToModel(model, command, &expectedReason) == accepted);
    if (!accepted) {
        FUZZ_CHECK(reason == expectedReason && reason == reasonAgain);
        return;
    }
    FUZZ_CHECK(change.item.id == command.itemId && change.remove == again.remove && change.item == again.item);
    FUZZ_CHECK(change.remove == (command.action == Command::Action::Remove));
    // created: an add, or an edit taken as one; wasRemoved only for a re-created removed id.
    FUZZ_CHECK(change.created == (!change.remove && !presentBefore));
    FUZZ_CHECK(change.wasRemoved == (change.created && wasRemoved));
    if (!change.remove)
        FUZZ_CHECK(change.item == model->items.value(command.itemId));
    state->commit(change);
    if (change.remove)
        FUZZ_CHECK(!state->contains(command.itemId) && state->wasRemoved(command.itemId));
    else
        FUZZ_CHECK(state->contains(command.itemId) && !state->wasRemoved(command.itemId));
}

// A pushed full state, merged as the rules say: new ids added, removed ids
// not brought back, for known items the session's values stand and only keys
// it lacks are taken; later duplicates in the push win.
void mergeIntoModel(Model *model, const QList<StateItem> &pushed, QMap<QString, StateItem> *changed, bool *differs)
{
    QMap<QString, StateItem> byId;
    for (const StateItem &item : pushed)
        byId.insert(item.id, item);
    *differs = false;
    for (const StateItem &p : std::as_const(byId)) {
        if (model->removed.contains(p.id)) {
            *differs = true;
            continue;
        }
        auto it = model->items.find(p.id);
        if (it == model->items.end()) {
            model->items.insert(p.id, p);
            changed->insert(p.id, p);
            continue;
        }
        QJsonObject merged = p.data;
        for (auto k = it->data.constBegin(); k != it->data.constEnd(); ++k)
            merged.insert(k.key(), k.value()); // the session's values win
        if (merged != it->data) {
            it->data = merged;
            changed->insert(p.id, *it);
        }
        if (!(*it == p))
            *differs = true;
    }
    for (auto it = model->items.cbegin(); it != model->items.cend(); ++it)
        if (!byId.contains(it.key()))
            *differs = true; // the session has items the pusher lacks
}

// One inbound text, handled as ServerSession::handleText does for our state.
void handleText(SessionModel *state, Model *model, const QByteArray &text)
{
    Message message;
    QString error;
    if (!Message::parse(text, &message, &error))
        return;
    if (message.type() == Message::Type::Command) {
        applyCommand(state, model, message.command());
    } else if (message.type() == Message::Type::SyncFullState) {
        const SessionModel::MergeResult result = state->merge(message.items());
        QMap<QString, StateItem> expectedChanged;
        bool expectedDiffers = false;
        mergeIntoModel(model, message.items(), &expectedChanged, &expectedDiffers);
        QMap<QString, StateItem> changed;
        for (const StateItem &item : result.changed) {
            FUZZ_CHECK(!changed.contains(item.id)); // each item reported once
            changed.insert(item.id, item);
        }
        FUZZ_CHECK(changed == expectedChanged);
        FUZZ_CHECK(result.differsFromPush == expectedDiffers);
    }
}

QByteArray commandText(const QString &action, const QString &id, const QString &type, const QJsonObject &data,
                       const QJsonArray &changedKeys = {}, const QJsonArray &removedKeys = {})
{
    QJsonObject command{{QLatin1String("action"), action}, {QLatin1String("item_id"), id},
                        {QLatin1String("data"), data}};
    if (!type.isNull())
        command.insert(QLatin1String("item_type"), type);
    if (!changedKeys.isEmpty() || !removedKeys.isEmpty())
        command.insert(QLatin1String("changed_keys"), changedKeys);
    if (!removedKeys.isEmpty())
        command.insert(QLatin1String("removed_keys"), removedKeys);
    return MessageFactory::toBytes({{QLatin1String("type"), QLatin1String("command")},
                                    {QLatin1String("command"), command}});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Program program(data, size);
    SessionModel state;
    Model model;
    static const char *const types[] = {"lens", "mirror", "", "beamsplitter"};
    for (int step = 0; step < 512 && !program.atEnd(); ++step) {
        switch (program.byte() % 7) {
        case 0:
        case 1: { // add, twice as often so there is something to edit
            const QString id = program.itemId();
            const QString type = QString::fromLatin1(types[program.byte() % 4]);
            handleText(&state, &model, commandText(QStringLiteral("add_item"), id, type, program.data()));
            break;
        }
        case 2: {
            QJsonObject pose;
            for (const char *key : {"x_mm", "y_mm", "angle_deg"}) {
                if (program.byte() & 1)
                    pose.insert(QString::fromLatin1(key), program.number());
            }
            const QString id = program.itemId();
            // Original clients send the item's type with every edit: with the
            // whole pose, a move of an item never seen adds it.
            const QString type = program.byte() & 1 ? QString::fromLatin1(types[program.byte() % 4]) : QString();
            handleText(&state, &model, commandText(QStringLiteral("move_item"), id, type, pose));
            break;
        }
        case 3: {
            const QString id = program.itemId();
            const QString type = program.byte() & 1 ? QString::fromLatin1(types[program.byte() % 4]) : QString();
            QJsonObject d = program.data();
            if (program.byte() % 4 == 0) { // the whole item, as original clients send
                d.insert(QStringLiteral("x_mm"), program.number());
                d.insert(QStringLiteral("y_mm"), program.number());
            }
            QJsonArray changed, removed;
            for (int n = program.byte() % 3; n > 0; --n)
                changed.append(program.key());
            for (int n = program.byte() % 3; n > 0; --n) // deleted keys (the gate refuses bad ones)
                removed.append(program.key());
            handleText(&state, &model, commandText(QStringLiteral("update_item"), id, type, d, changed, removed));
            break;
        }
        case 4:
            handleText(&state, &model, commandText(QStringLiteral("remove_item"), program.itemId(), {}, {}));
            break;
        case 5: {
            QList<StateItem> items;
            for (int n = program.byte() % 4; n > 0; --n)
                items.append({program.itemId(), QString::fromLatin1(types[program.byte() % 4]), program.data()});
            handleText(&state, &model, MessageFactory::fullState(items, program.byte()));
            break;
        }
        default: // raw text straight at the gate
            handleText(&state, &model, program.bytes(program.byte()));
            break;
        }
        checkAgrees(state, model);
    }
    return 0;
}
