// SPDX-License-Identifier: MIT
#include "LocalEditCapture.h"

#include "SessionModel.h"

namespace Optiverse::Collab {

namespace {
QJsonObject poseOf(const QJsonObject &data)
{
    QJsonObject pose;
    for (const QString &k : SessionModel::poseKeys())
        pose.insert(k, data.value(k));
    return pose;
}
} // namespace

LocalEditCapture::LocalEditCapture(Submit submit)
    : m_submit(std::move(submit))
{
    m_dragTimer.setInterval(33);
    QObject::connect(&m_dragTimer, &QTimer::timeout, &m_dragTimer, [this] { flushDrags(); });
}

Command LocalEditCapture::commandFor(Command::Action action, const SceneItem &item)
{
    Command c;
    c.action = action;
    c.itemId = idOf(item.uuid);
    c.itemType = item.type;
    if (action == Command::Action::Move)
        c.data = poseOf(item.data);
    else if (action != Command::Action::Remove)
        c.data = item.data;
    return c;
}

void LocalEditCapture::itemKeysRemoved(const SceneItem &item, const QStringList &removedKeys, ChangeOrigin origin)
{
    // The host reports the same change's itemUpdated() right after: that
    // command carries them as removed_keys.
    if (origin == ChangeOrigin::Local)
        m_removedKeys[item.uuid] += removedKeys;
}

void LocalEditCapture::itemAdded(const SceneItem &item, ChangeOrigin origin)
{
    if (!m_lastSentPose.isEmpty()) // (a 10,000-item join passes here 10,000 times)
        m_lastSentPose.remove(idOf(item.uuid));
    if (origin != ChangeOrigin::Local)
        return; // applied on behalf of someone else: never send it back
    m_submit(commandFor(Command::Action::Add, item));
}

void LocalEditCapture::itemMoved(const SceneItem &item, ChangeOrigin origin)
{
    const QString id = idOf(item.uuid);
    if (origin != ChangeOrigin::Local) {
        m_lastSentPose.remove(id); // a later local move to the sent pose is a real move
        return;
    }
    if (m_dragging.contains(item.uuid)) {
        // Interactive drag: the first move goes at once, the rest at most once
        // per interval per item, the final pose when the drag ends.
        m_dragLatest.insert(item.uuid, item);
        if (!m_dragTimer.isActive()) {
            flushDrags();
            m_dragTimer.start();
        }
        return;
    }
    m_dragLatest.remove(item.uuid);
    Command c = commandFor(Command::Action::Move, item);
    // A host may report a drag's final pose once more after the drag ended.
    if (m_lastSentPose.take(id) == c.data)
        return;
    m_submit(std::move(c));
}

void LocalEditCapture::itemUpdated(const SceneItem &item, const QStringList &changedKeys, ChangeOrigin origin)
{
    m_lastSentPose.remove(idOf(item.uuid));
    if (origin != ChangeOrigin::Local)
        return;
    Command c = commandFor(Command::Action::Update, item);
    c.changedKeys = changedKeys; // so our peers and server merge per property
    // From itemKeysRemoved(), just before; a key set again since is not deleted.
    for (const QString &k : m_removedKeys.take(item.uuid))
        if (!item.data.contains(k) && !c.removedKeys.contains(k) && !SessionModel::poseKeys().contains(k))
            c.removedKeys.append(k);
    m_submit(std::move(c));
}

void LocalEditCapture::itemRemoved(const SceneItem &item, ChangeOrigin origin)
{
    m_dragging.remove(item.uuid);
    m_dragLatest.remove(item.uuid);
    m_lastSentPose.remove(idOf(item.uuid));
    m_removedKeys.remove(item.uuid);
    if (origin != ChangeOrigin::Local)
        return;
    m_submit(commandFor(Command::Action::Remove, item));
}

void LocalEditCapture::itemDragStateChanged(const QUuid &uuid, bool dragging)
{
    if (dragging) {
        m_dragging.insert(uuid);
        return;
    }
    m_dragging.remove(uuid);
    flushDrags(); // the final pose, exactly
    if (m_dragging.isEmpty())
        m_dragTimer.stop();
}

void LocalEditCapture::flushDrags()
{
    const auto latest = std::exchange(m_dragLatest, {});
    for (const SceneItem &item : latest) {
        Command c = commandFor(Command::Action::Move, item);
        if (m_lastSentPose.value(c.itemId) == c.data)
            continue;
        m_lastSentPose.insert(c.itemId, c.data);
        m_submit(std::move(c));
    }
    if (latest.isEmpty() && m_dragging.isEmpty())
        m_dragTimer.stop();
}

} // namespace Optiverse::Collab
