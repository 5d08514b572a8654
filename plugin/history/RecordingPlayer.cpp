// SPDX-License-Identifier: MIT
#include "RecordingPlayer.h"

#include "Recording.h"

#include <optiverse/iscene.h>
#include <optiverse/iscenekeys.h>

#include <QSet>
#include <QUuid>

namespace Optiverse::Collab {

RecordingPlayer::RecordingPlayer(IScene *scene, ISceneKeys *keys) : m_scene(scene), m_keys(keys)
{
    for (const SceneItem &item : m_scene->items()) {
        const QString id = item.uuid.toString(QUuid::WithoutBraces);
        m_shown.insert(id, StateItem{id, item.type, item.data});
    }
}

bool RecordingPlayer::showItem(const QString &id, const StateItem *target, QString *error)
{
    const QUuid uuid = QUuid::fromString(id);
    const SceneItem now = m_scene->item(uuid);
    const bool present = !now.uuid.isNull();
    QString why;
    bool ok = true;
    if (!target) {
        if (present)
            ok = m_scene->removeItem(uuid, ChangeOrigin::Remote, &why);
        m_shown.remove(id);
    } else {
        m_shown.insert(id, *target);
        if (present && now.type == target->type && now.data == target->data)
            return true;
        QStringList gone;
        if (present && now.type == target->type) {
            for (auto k = now.data.constBegin(); k != now.data.constEnd(); ++k)
                if (!target->data.contains(k.key()))
                    gone.append(k.key());
        }
        if (present && (now.type != target->type || (!gone.isEmpty() && !m_keys))) {
            // Another type, or keys to delete on a contract 1.0 host: re-create.
            ok = m_scene->removeItem(uuid, ChangeOrigin::Remote, &why);
            if (ok)
                ok = m_scene->addItem(SceneItem{uuid, target->type, target->data}, ChangeOrigin::Remote, &why);
        } else if (!present) {
            ok = m_scene->addItem(SceneItem{uuid, target->type, target->data}, ChangeOrigin::Remote, &why);
        } else {
            if (!gone.isEmpty())
                ok = m_keys->removeKeys(uuid, gone, ChangeOrigin::Remote, &why);
            QJsonObject changed;
            for (auto k = target->data.constBegin(); k != target->data.constEnd(); ++k)
                if (now.data.value(k.key()) != k.value() || !now.data.contains(k.key()))
                    changed.insert(k.key(), k.value());
            if (ok && !changed.isEmpty())
                ok = m_scene->updateItem(uuid, changed, ChangeOrigin::Remote, &why);
        }
    }
    if (!ok && error && error->isEmpty())
        *error = QStringLiteral("item %1: %2").arg(id, why);
    return ok;
}

bool RecordingPlayer::reshowItem(const QString &id, QString *error)
{
    const auto it = m_shown.constFind(id);
    if (it == m_shown.cend())
        return showItem(id, nullptr, error);
    const StateItem target = *it; // showItem() writes m_shown
    return showItem(id, &target, error);
}

int RecordingPlayer::showScene(const HistoryScene &target, QString *error)
{
    int refused = 0;
    m_scene->beginBulkChange();
    QSet<QString> ids;
    for (const SceneItem &item : m_scene->items())
        ids.insert(item.uuid.toString(QUuid::WithoutBraces));
    for (const QString &id : std::as_const(ids))
        if (!target.contains(id) && !showItem(id, nullptr, error))
            ++refused;
    for (const StateItem &item : target)
        if (!showItem(item.id, &item, error))
            ++refused;
    m_scene->endBulkChange();
    m_shown = target;
    return refused;
}

int RecordingPlayer::applyOperation(const HistoryOperation &operation, QString *error)
{
    HistoryScene next = m_shown;
    operation.apply(&next);
    int refused = 0;
    for (const HistoryOperation::ItemChange &change : operation.changes) {
        const auto it = next.constFind(change.itemId);
        if (!showItem(change.itemId, it == next.cend() ? nullptr : &*it, error))
            ++refused;
    }
    m_shown = std::move(next);
    return refused;
}

bool RecordingPlayer::replayFile(const QString &path, qint64 untilSeq, qint64 *lastSeq, QString *error)
{
    Recording recording;
    if (!Recording::readFile(path, &recording, error))
        return false;
    if (untilSeq >= 0 && untilSeq < recording.baseSeq) {
        *error = QStringLiteral("%1 starts at seq %2 (its history was compacted): cannot stop at %3")
                     .arg(path).arg(recording.baseSeq).arg(untilSeq);
        return false;
    }
    QString refusal;
    m_scene->beginBulkChange();
    showScene(recording.base, &refusal);
    *lastSeq = recording.baseSeq;
    for (const HistoryOperation &op : recording.operations) {
        if (untilSeq >= 0 && op.seq > untilSeq)
            break;
        applyOperation(op, &refusal);
        *lastSeq = op.seq;
    }
    m_scene->endBulkChange();
    if (!refusal.isEmpty())
        *error = refusal; // shown as a warning: the rest is applied
    return true;
}

} // namespace Optiverse::Collab
