// SPDX-License-Identifier: MIT
#include "ScriptRunner.h"

#include <QUndoStack>

#include "JsonTypeName.h"

#include "HostScene.h"
#include "OpticalItem.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QUuid>

#include <cmath>

using Optiverse::ChangeOrigin;

namespace {
QUuid parseUuid(const QString &text)
{
    // QUuid accepts both "{…}" and bare forms.
    return QUuid::fromString(text.trimmed());
}

// Checks one field; returns an error text or an empty string.
QString checkField(const QJsonObject &step, const char *key, QJsonValue::Type type, bool required)
{
    const QJsonValue v = step.value(QLatin1String(key));
    if (v.isUndefined())
        return required ? QStringLiteral("missing field \"%1\"").arg(QLatin1String(key)) : QString();
    if (v.type() != type) {
        const QString want = type == QJsonValue::Double ? QStringLiteral("a number")
                           : type == QJsonValue::String ? QStringLiteral("a string")
                                                        : QStringLiteral("an object");
        return QStringLiteral("field \"%1\" must be %2, not %3").arg(QLatin1String(key), want, jsonTypeName(v));
    }
    if (type == QJsonValue::Double && !std::isfinite(v.toDouble()))
        return QStringLiteral("field \"%1\" must be a finite number").arg(QLatin1String(key));
    return {};
}

QString checkId(const QJsonObject &step, bool required)
{
    QString error = checkField(step, "id", QJsonValue::String, required);
    if (error.isEmpty() && step.contains(QLatin1String("id"))) {
        const QString text = step.value(QLatin1String("id")).toString();
        if (parseUuid(text).isNull())
            error = QStringLiteral("\"id\" is not a valid UUID: \"%1\"").arg(text);
    }
    return error;
}

QString checkStep(const QJsonObject &step)
{
    const QJsonValue opValue = step.value(QLatin1String("op"));
    if (opValue.isUndefined())
        return QStringLiteral("missing field \"op\"");
    if (!opValue.isString())
        return QStringLiteral("field \"op\" must be a string, not %1").arg(jsonTypeName(opValue));
    const QString op = opValue.toString();
    QStringList errors;
    if (op == QLatin1String("add")) {
        errors << checkField(step, "type", QJsonValue::String, true) << checkId(step, false)
               << checkField(step, "data", QJsonValue::Object, false);
        if (errors.join(QString()).isEmpty() && step.value(QLatin1String("type")).toString().trimmed().isEmpty())
            errors << QStringLiteral("field \"type\" must not be empty");
        const QJsonObject data = step.value(QLatin1String("data")).toObject();
        for (const char *key : {Optiverse::kXmm, Optiverse::kYmm, Optiverse::kAngleDeg})
            errors << checkField(data, key, QJsonValue::Double, false);
        errors.removeAll(QString());
        QString dataError; // e.g. a lens's focal_length_mm given as a string
        if (errors.isEmpty()
            && !HostScene::validateData(step.value(QLatin1String("type")).toString(), data, &dataError))
            errors << QStringLiteral("invalid \"data\": ") + dataError;
    } else if (op == QLatin1String("move")) {
        errors << checkId(step, true);
        for (const char *key : {Optiverse::kXmm, Optiverse::kYmm, Optiverse::kAngleDeg})
            errors << checkField(step, key, QJsonValue::Double, false);
    } else if (op == QLatin1String("update")) {
        errors << checkId(step, true) << checkField(step, "data", QJsonValue::Object, true);
        const QJsonObject data = step.value(QLatin1String("data")).toObject();
        for (const char *key : {Optiverse::kXmm, Optiverse::kYmm, Optiverse::kAngleDeg})
            errors << checkField(data, key, QJsonValue::Double, false);
    } else if (op == QLatin1String("remove")) {
        errors << checkId(step, true);
    } else if (op == QLatin1String("undo") || op == QLatin1String("redo")) {
        // no fields: the host's own undo stack, as Edit > Undo / Redo
    } else if (op == QLatin1String("wait")) {
        errors << checkField(step, "ms", QJsonValue::Double, true);
        if (errors.join(QString()).isEmpty() && step.value(QLatin1String("ms")).toDouble() < 0)
            errors << QStringLiteral("field \"ms\" must not be negative");
    } else {
        return QStringLiteral("unknown op \"%1\"").arg(op);
    }
    errors.removeAll(QString());
    return errors.value(0);
}
} // namespace

ScriptRunner::ScriptRunner(HostScene *scene, QObject *parent)
    : QObject(parent), m_scene(scene)
{
}

bool ScriptRunner::validate(const QJsonArray &steps, QString *errorString)
{
    for (int i = 0; i < steps.size(); ++i) {
        const QJsonValue v = steps.at(i);
        const QString error = v.isObject() ? checkStep(v.toObject())
                                           : QStringLiteral("must be an object, not %1").arg(jsonTypeName(v));
        if (!error.isEmpty()) {
            if (errorString)
                *errorString = QStringLiteral("step %1: %2").arg(i + 1).arg(error);
            return false;
        }
    }
    return true;
}

bool ScriptRunner::setSteps(const QJsonArray &steps, QString *errorString)
{
    if (!validate(steps, errorString))
        return false;
    m_steps = steps;
    m_next = 0;
    return true;
}

bool ScriptRunner::load(const QString &path, QString *errorString)
{
    m_label = path;
    auto fail = [&](const QString &problem) {
        if (errorString)
            *errorString = path + QStringLiteral(": ") + problem;
        return false;
    };
    const QFileInfo info(path);
    if (!info.exists())
        return fail(QStringLiteral("no such file"));
    if (!info.isFile())
        return fail(QStringLiteral("not a file"));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read: %1").arg(file.errorString()));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return fail(QStringLiteral("not valid JSON: %1 at offset %2")
                        .arg(parseError.errorString()).arg(parseError.offset));
    if (!doc.isArray())
        return fail(QStringLiteral("the script must be a JSON array of steps"));
    QString error;
    if (!setSteps(doc.array(), &error))
        return fail(error);
    return true;
}

void ScriptRunner::start()
{
    if (m_running)
        return;
    m_running = true;
    m_next = 0;
    runNext();
}

void ScriptRunner::note(int index, const QString &text)
{
    const QString prefix = m_label.isEmpty() ? QString() : m_label + QStringLiteral(": ");
    emit message(prefix + QStringLiteral("step %1: %2").arg(index + 1).arg(text));
}

void ScriptRunner::runNext()
{
    while (m_next < m_steps.size()) {
        const int index = m_next++;
        const QJsonObject step = m_steps.at(index).toObject();
        if (step.value(QLatin1String("op")).toString() == QLatin1String("wait")) {
            const int ms = int(step.value(QLatin1String("ms")).toDouble());
            QTimer::singleShot(ms, this, &ScriptRunner::runNext);
            return;
        }
        runStep(index, step);
    }
    m_running = false;
    emit finished();
}

void ScriptRunner::runStep(int index, const QJsonObject &step)
{
    const QString op = step.value(QLatin1String("op")).toString();
    const QUuid id = parseUuid(step.value(QLatin1String("id")).toString());
    QString error;

    if (op == QLatin1String("add")) {
        const Optiverse::SceneItem item{id.isNull() ? QUuid::createUuid() : id,
                                        step.value(QLatin1String("type")).toString(),
                                        step.value(QLatin1String("data")).toObject()};
        if (!m_scene->addItem(item, ChangeOrigin::Local, &error))
            note(index, QStringLiteral("skipped: ") + error);
        return;
    }
    if (op == QLatin1String("undo") || op == QLatin1String("redo")) {
        QUndoStack *stack = m_scene->undoStack();
        if (op == QLatin1String("undo") ? !stack->canUndo() : !stack->canRedo())
            note(index, QStringLiteral("skipped: nothing to %1").arg(op));
        else if (op == QLatin1String("undo"))
            m_scene->undo(); // as Edit > Undo: reviewed by the plugins' undo guards
        else
            m_scene->redo();
        return;
    }
    // The other ops name an existing item; a remote user may have removed it.
    const OpticalItem *target = m_scene->findItem(id);
    if (!target) {
        note(index, QStringLiteral("skipped: no item with id %1").arg(HostScene::uuidText(id)));
        return;
    }
    bool ok = true;
    if (op == QLatin1String("move")) {
        const OpticalItem::Pose pose = target->pose();
        ok = m_scene->moveItem(id, step.value(QLatin1String("x_mm")).toDouble(pose.xMm),
                               step.value(QLatin1String("y_mm")).toDouble(pose.yMm),
                               step.value(QLatin1String("angle_deg")).toDouble(pose.angleDeg),
                               ChangeOrigin::Local, &error);
    } else if (op == QLatin1String("update")) {
        ok = m_scene->updateItem(id, step.value(QLatin1String("data")).toObject(),
                                 ChangeOrigin::Local, &error);
    } else if (op == QLatin1String("remove")) {
        ok = m_scene->removeItem(id, ChangeOrigin::Local, &error);
    }
    if (!ok)
        note(index, QStringLiteral("skipped: ") + error);
}
